/**
 * What an operator reads when a webhook cannot be delivered: one JSON log line per event, with
 * the lead, the endpoint, the webhook-id and the reason, and never the alert's email or a secret.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deliverDue } from "../../worker/webhooks/delivery";
import { OutboxStore } from "../../worker/webhooks/store";
import { SECRET, receiver, testAlert, testHook } from "./webhooks-support";

afterEach(() => vi.restoreAllMocks());

let counter = 0;
const marker = () => `log-${Date.now().toString(36)}-${counter++}`;

/** Console lines that are JSON log lines of webhook events. */
function webhookLines() {
  const spies = [vi.spyOn(console, "error"), vi.spyOn(console, "warn"), vi.spyOn(console, "log")];
  for (const spy of spies) spy.mockImplementation(() => {});
  return () =>
    spies
      .flatMap((spy) => spy.mock.calls.map((call) => call[0]))
      .filter((line): line is string => typeof line === "string" && line.startsWith('{"level"'))
      .map((line) => ({ line, json: JSON.parse(line) as Record<string, unknown> }))
      .filter(({ json }) => String(json.event).startsWith("webhook."));
}

/** Enqueues one alert for `hook` in a fresh lead's outbox and runs delivery once, as that lead. */
function deliverOnce(hook: ReturnType<typeof testHook>, lead: string, dev = true) {
  return runInDurableObject(env.LEAD.get(env.LEAD.newUniqueId()), async (_, state) => {
    const outbox = new OutboxStore(state.storage.sql);
    outbox.enqueue([hook], [testAlert("lead.sql", 1, lead)], Date.now());
    await deliverDue(outbox, { dev, secret: () => SECRET }, [hook], Date.now(), lead);
    return outbox.list()[0];
  });
}

describe("webhook log lines", () => {
  it("a webhook refused by the SSRF rules writes one error line naming lead, endpoint, webhook-id and reason", async () => {
    const lines = webhookLines();
    const lead = marker();
    const delivery = await deliverOnce(testHook({ url: "http://10.0.0.5/hook" }), lead);
    expect(delivery?.status).toBe("failed");
    const logged = lines();
    expect(logged).toHaveLength(1);
    expect(logged[0]?.json).toMatchObject({
      level: "error",
      event: "webhook.refused",
      lead,
      endpoint: "sales",
      webhook_id: delivery?.id,
      reason: expect.stringContaining("10.0.0.5"),
    });
    expect(logged[0]?.line).not.toContain(`${lead}@acme.io`);
    expect(logged[0]?.line).not.toContain(SECRET.slice(6));
  });

  it("a failed attempt logs the retry with the receiver's status only, not its body", async () => {
    const lead = marker();
    receiver(lead, (call) => new Response(`echo ${call.body}`, { status: 503 }));
    const lines = webhookLines();
    await deliverOnce(testHook(), lead);
    const logged = lines();
    expect(logged.map(({ json }) => json.event)).toEqual(["webhook.retry"]);
    expect(logged[0]?.json).toMatchObject({ level: "warn", lead, endpoint: "sales", status: 503, reason: "HTTP 503", attempt: 1 });
    expect(typeof logged[0]?.json.retry_at).toBe("string");
    expect(logged[0]?.line).not.toContain(`${lead}@acme.io`);
  });

  it("a 410 logs the endpoint disabled", async () => {
    const lead = marker();
    receiver(lead, () => new Response(null, { status: 410 }));
    const lines = webhookLines();
    await deliverOnce(testHook({ id: `gone-${lead}` }), lead);
    expect(lines().map(({ json }) => [json.event, json.endpoint, json.status])).toEqual([["webhook.disabled", `gone-${lead}`, 410]]);
  });

  it("a dev_only endpoint outside local development is refused, never sent", async () => {
    const lead = marker();
    const calls = receiver(lead);
    const lines = webhookLines();
    const delivery = await deliverOnce(testHook({ url: "http://127.0.0.1:9/dev/inbox/sales", dev_only: true }), lead, false);
    expect(calls).toHaveLength(0);
    expect(delivery?.status).toBe("failed");
    expect(lines()[0]?.json).toMatchObject({ event: "webhook.refused", reason: expect.stringContaining("dev_only") });
  });
});
