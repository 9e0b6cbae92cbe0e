/**
 * Identity verification: anyone can type anyone's email into a form, so a browser identify is
 * only a claim. A site that names an identity secret (`identity_secret_env`) proves an identify
 * by sending `hash` = hex HMAC-SHA256(secret, normalized email), computed on its own server
 * (the model of Intercom's identity verification); a matching hash makes the identify verified.
 *
 * @example
 * // On the site's server (Node), for the signed-in user:
 * import { createHmac } from "node:crypto";
 * const hash = createHmac("sha256", process.env.IDENTITY_SECRET).update(email.trim().toLowerCase()).digest("hex");
 * // In the page: leadlight("identify", email, traits) is a claim; POST /v1/identify from the server is trusted.
 */
import { type Event, normalizeEmail } from "../shared/wire";

const encoder = new TextEncoder();

/** Hex HMAC-SHA256 of the normalized email under `secret`. */
export async function identityHash(secret: string, email: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(normalizeEmail(email)));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether `hash` proves `email` under `secret`; compared in constant time. */
export async function verifyIdentity(secret: string, email: string, hash: string): Promise<boolean> {
  const expected = await identityHash(secret, email);
  const given = hash.toLowerCase();
  // Every character is compared whatever the first difference, so timing tells nothing of the hash.
  let difference = expected.length ^ given.length;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ given.charCodeAt(i);
  return difference === 0;
}

/**
 * The emails a batch's identifies proved (normalized), and the events with every `hash` taken
 * out: a proof is checked once, here, and never stored. With no secret nothing is proven.
 */
export async function proveIdentifies(events: readonly Event[], secret: string | undefined): Promise<{ events: Event[]; proven: string[] }> {
  const proven: string[] = [];
  const out: Event[] = [];
  for (const event of events) {
    if (event.type !== "identify" || event.props.hash === undefined) {
      out.push(event);
      continue;
    }
    const { hash, ...props } = event.props;
    if (secret !== undefined && (await verifyIdentity(secret, props.email, hash))) proven.push(normalizeEmail(props.email));
    out.push({ ...event, props });
  }
  return { events: out, proven };
}
