/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signature is the base64
 * HMAC-SHA256, keyed by the secret's bytes, of `${webhook-id}.${webhook-timestamp}.${body}`,
 * sent as `webhook-signature: v1,<base64>`. WebCrypto only, so the same code runs in the Worker
 * and in Node; no `env`, no storage.
 */

const PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A receiver refuses messages older or newer than this (the spec's recommendation). */
export const TIMESTAMP_TOLERANCE_S = 5 * 60;

const encoder = new TextEncoder();

/** An endpoint's secret variable is unset or not `whsec_<base64>`: its message cannot be signed yet. */
export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretError";
  }
}

/**
 * Reads an endpoint's secret variable: one or more `whsec_<base64>` values separated by
 * spaces. Several secrets all sign, so a receiver can move to a new one while the old still
 * verifies (rotation). Throws SecretError naming the variable when it is unset or malformed.
 *
 * @example
 * parseSecrets("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_bmV3LXNlY3JldA==", "WEBHOOK_SECRET_SALES") // two keys
 */
export function parseSecrets(value: unknown, name: string): Uint8Array[] {
  if (typeof value !== "string" || value.trim() === "") throw new SecretError(`secret ${name} is not set`);
  return value
    .trim()
    .split(/\s+/)
    .map((secret) => {
      const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : null;
      if (encoded === null || !BASE64.test(encoded)) {
        throw new SecretError(`secret ${name} is not a whsec_<base64> value`);
      }
      const key = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
      if (key.length === 0) throw new SecretError(`secret ${name} is empty`);
      return key;
    });
}

async function hmac(key: Uint8Array, content: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", new Uint8Array(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(content)));
  return btoa(String.fromCharCode(...mac));
}

/**
 * The `webhook-signature` header value: one `v1,<base64>` per secret, separated by spaces.
 *
 * @example
 * await signatureHeader(parseSecrets(env.WEBHOOK_SECRET_SALES, "WEBHOOK_SECRET_SALES"), "msg_2KWP", 1763900000, body)
 * // "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="
 */
export async function signatureHeader(keys: readonly Uint8Array[], id: string, timestamp: number, body: string): Promise<string> {
  const content = `${id}.${timestamp}.${body}`;
  const signatures = await Promise.all(keys.map(async (key) => `v1,${await hmac(key, content)}`));
  return signatures.join(" ");
}

/** Compares without an early exit, so timing does not reveal how much of a signature matched. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export interface SignedHeaders {
  "webhook-id": string | null;
  "webhook-timestamp": string | null;
  "webhook-signature": string | null;
}

/**
 * What a receiver does: true when one `v1` signature in the header matches one of the keys and
 * the timestamp is within tolerance of `nowSeconds`. Used by the development inbox.
 */
export async function verifySignature(
  keys: readonly Uint8Array[],
  headers: SignedHeaders,
  body: string,
  nowSeconds: number,
): Promise<boolean> {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signature = headers["webhook-signature"];
  if (!id || !timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > TIMESTAMP_TOLERANCE_S) return false;
  const passed = signature
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => s.slice(3));
  for (const key of keys) {
    const expected = await hmac(key, `${id}.${timestamp}.${body}`);
    if (passed.some((candidate) => constantTimeEqual(candidate, expected))) return true;
  }
  return false;
}

/**
 * A fresh random message id, `msg_` and 26 base32 characters. Chosen once per message and
 * endpoint and kept across retries: receivers dedupe on it.
 */
export function messageId(): string {
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  const bytes = crypto.getRandomValues(new Uint8Array(26));
  return `msg_${Array.from(bytes, (b) => alphabet[b & 31]).join("")}`;
}
