import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { SecretError, messageId, parseSecrets, signatureHeader, verifySignature } from "./signing";

const OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NEW = "whsec_dGVzdC1zZWNyZXQtZm9yLWxlYWRsaWdodC10ZXN0cw==";
const body = JSON.stringify({ type: "lead.sql", sequence: 3, data: { lead: { id: "l1", email: "ada@acme.io" } } });

describe("Standard Webhooks signing", () => {
  it("produces a signature the standardwebhooks library verifies", async () => {
    const id = messageId();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signatureHeader(parseSecrets(NEW, "S"), id, timestamp, body);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const payload = new Webhook(NEW).verify(body, {
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature,
    });
    expect(payload).toEqual(JSON.parse(body));
  });

  it("matches the library's own signature byte for byte", async () => {
    const timestamp = 1_763_900_000;
    const expected = new Webhook(OLD).sign("msg_p5jXN8AQM9LWM0D4loKWxJek", new Date(timestamp * 1000), body);
    expect(await signatureHeader(parseSecrets(OLD, "S"), "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp, body)).toBe(expected);
  });

  it("signs with every secret during a rotation, so receivers on the old or the new one both verify", async () => {
    const id = messageId();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signatureHeader(parseSecrets(`${OLD}  ${NEW}`, "S"), id, timestamp, body);
    expect(signature.split(" ")).toHaveLength(2);
    const headers = { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
    expect(() => new Webhook(OLD).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(NEW).verify(body, headers)).not.toThrow();
    expect(() => new Webhook("whsec_c29tZW9uZS1lbHNl").verify(body, headers)).toThrow();
  });

  it("a changed body no longer verifies", async () => {
    const id = messageId();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signatureHeader(parseSecrets(NEW, "S"), id, timestamp, body);
    expect(() =>
      new Webhook(NEW).verify(body.replace("sql", "mql"), {
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signature,
      }),
    ).toThrow();
  });

  it("refuses an unset or malformed secret with the variable's name", () => {
    expect(() => parseSecrets(undefined, "WEBHOOK_SECRET_SALES")).toThrow(new SecretError("secret WEBHOOK_SECRET_SALES is not set"));
    expect(() => parseSecrets("  ", "WEBHOOK_SECRET_SALES")).toThrow("is not set");
    expect(() => parseSecrets("hunter2", "WEBHOOK_SECRET_SALES")).toThrow("not a whsec_<base64> value");
    expect(() => parseSecrets(`${NEW} whsec_not*base64`, "WEBHOOK_SECRET_SALES")).toThrow("not a whsec_<base64> value");
  });
});

describe("verifying as a receiver (the dev inbox)", () => {
  const sign = (library: Webhook, id: string, timestamp: number) => library.sign(id, new Date(timestamp * 1000), body);

  it("accepts a message signed by the standardwebhooks library", async () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(now), "webhook-signature": sign(new Webhook(NEW), "msg_1", now) };
    expect(await verifySignature(parseSecrets(NEW, "S"), headers, body, now)).toBe(true);
  });

  it("accepts any of several signatures and any of several keys", async () => {
    const now = 1_763_900_000;
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(now),
      "webhook-signature": `v1,AAAA ${sign(new Webhook(OLD), "msg_1", now)}`,
    };
    expect(await verifySignature(parseSecrets(`${NEW} ${OLD}`, "S"), headers, body, now)).toBe(true);
  });

  it("refuses a wrong key, a tampered body, missing headers and a stale timestamp", async () => {
    const now = 1_763_900_000;
    const keys = parseSecrets(NEW, "S");
    const good = { "webhook-id": "msg_1", "webhook-timestamp": String(now), "webhook-signature": sign(new Webhook(NEW), "msg_1", now) };
    expect(await verifySignature(parseSecrets(OLD, "S"), good, body, now)).toBe(false);
    expect(await verifySignature(keys, good, `${body} `, now)).toBe(false);
    expect(await verifySignature(keys, { ...good, "webhook-signature": null }, body, now)).toBe(false);
    expect(await verifySignature(keys, good, body, now + 301)).toBe(false);
    expect(await verifySignature(keys, good, body, now + 300)).toBe(true);
  });
});

describe("message ids", () => {
  it("are msg_ and 26 url-safe characters, different each time", () => {
    const ids = new Set(Array.from({ length: 1000 }, messageId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^msg_[0-9a-z]{26}$/);
  });
});
