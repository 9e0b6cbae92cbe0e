/**
 * The development inbox behind the default config's webhook: it stores what arrives, checks
 * the signature with the endpoint's own secret, and exists only when LEADLIGHT_DEV is "true".
 */
import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../../worker/app";
import { emailLead } from "../../worker/identity";
import type { InboxMessage } from "../../worker/dev/inbox";
import { SITE, identify, send, track, uid } from "./helpers";
import { SECRET, drain } from "./webhooks-support";

// The inbox answers only a Host naming this machine (a DNS-rebound page gets 403).
const INBOX = "http://127.0.0.1/dev/inbox";

function signed(body: string, secret = SECRET): Record<string, string> {
  const id = `msg_${uid("t")}`;
  const now = new Date();
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, now, body),
  };
}

async function listing(query = ""): Promise<InboxMessage[]> {
  const response = await SELF.fetch(`${INBOX}${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: InboxMessage[] }).messages;
}

const mine = (messages: InboxMessage[], marker: string) => messages.filter((m) => JSON.stringify(m.body).includes(marker));

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the inbox's host check", () => {
  it("refuses a page that reached it under another name (DNS rebinding), reading and writing alike", async () => {
    for (const [method, path] of [["GET", "/dev/inbox"], ["POST", "/dev/inbox/sales"]] as const) {
      const response = await SELF.fetch(`http://attacker.example:8787${path}`, { method, body: method === "POST" ? "{}" : undefined });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("forbidden_host");
    }
    for (const host of ["localhost:8787", "[::1]:8787", "127.0.0.1:9999"]) {
      expect((await SELF.fetch(`http://${host}/dev/inbox`)).status).toBe(200);
    }
  });
});

describe("POST /dev/inbox/:endpoint", () => {
  it("stores a signed message as verified and answers 204", async () => {
    const marker = uid("inbox");
    const body = JSON.stringify({ type: "lead.mql", sequence: 1, data: { marker } });
    const response = await SELF.fetch(`${INBOX}/sales`, { method: "POST", headers: signed(body), body });
    expect(response.status).toBe(204);
    const [message] = mine(await listing(), marker);
    expect(message).toMatchObject({
      endpoint: "sales",
      body: { type: "lead.mql", sequence: 1, data: { marker } },
      verified: true,
      verify_error: null,
    });
    expect(message?.headers["webhook-id"]).toMatch(/^msg_/);
    expect(Date.parse(message?.received_at as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("stores a message signed with another secret, marked not verified, with the reason", async () => {
    const marker = uid("forged");
    const body = JSON.stringify({ marker });
    await SELF.fetch(`${INBOX}/sales`, { method: "POST", headers: signed(body, "whsec_c29tZW9uZS1lbHNl"), body });
    const [message] = mine(await listing(), marker);
    expect(message).toMatchObject({ verified: false, verify_error: expect.stringContaining("no signature matches") });
  });

  it("says why when the endpoint is not in the config", async () => {
    const marker = uid("stray");
    const body = JSON.stringify({ marker });
    await SELF.fetch(`${INBOX}/nobody`, { method: "POST", headers: signed(body), body });
    const [message] = mine(await listing("?endpoint=nobody"), marker);
    expect(message).toMatchObject({ endpoint: "nobody", verified: false, verify_error: 'no webhook "nobody" in the config' });
  });
});

describe("GET /dev/inbox", () => {
  it("lists the newest first and takes a limit", async () => {
    const first = uid("first");
    const second = uid("second");
    for (const marker of [first, second]) {
      const body = JSON.stringify({ marker });
      await SELF.fetch(`${INBOX}/sales`, { method: "POST", headers: signed(body), body });
    }
    const messages = await listing("?endpoint=sales&limit=2");
    expect(messages.map((m) => (m.body as { marker: string }).marker)).toEqual([second, first]);
    expect((await SELF.fetch(`${INBOX}?limit=0`)).status).toBe(400);
  });
});

describe("outside local development", () => {
  it("both routes answer 404 not_found", async () => {
    const production = { ...env, LEADLIGHT_DEV: undefined };
    for (const [path, method] of [
      ["/dev/inbox", "GET"],
      ["/dev/inbox/sales", "POST"],
    ] as const) {
      const response = await app.request(path, { method, body: method === "POST" ? "{}" : undefined }, production);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: "not_found", message: "no such route" } });
    }
  });
});

describe("the default config end to end, inside workerd", () => {
  it("a lead's alerts land in the dev inbox, signed and verified", async () => {
    // The test config's endpoint is https://hooks.site.test/sales: route it to this Worker's inbox.
    vi.spyOn(globalThis, "fetch").mockImplementation((input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (url.host !== "hooks.site.test") return Promise.resolve(new Response(null, { status: 204 }));
      return SELF.fetch(`http://127.0.0.1/dev/inbox${url.pathname}`, request);
    });
    const email = `${uid("grace")}@acme.io`;
    await send(uid("v"), [identify(email, { title: "Founder", company_size: 120 }), track("demo_request")]);
    await drain(emailLead(env, SITE, email));
    const messages = mine(await listing("?endpoint=sales"), email);
    expect(messages.map((m) => [(m.body as { type: string }).type, m.verified])).toEqual([
      ["lead.sql", true],
      ["lead.identified", true],
    ]);
  });
});
