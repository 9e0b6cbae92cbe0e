/**
 * Fixtures of the webhook tests inside workerd: a fake receiver (the Worker's own `fetch`, spied
 * on: the Lead objects run in the tests' isolate), ways to run a lead's alarm until its outbox
 * has nothing due and to move its retries forward in time, and the endpoints, alerts and secrets
 * of tests that drive the outbox (OutboxStore, deliverDue) directly.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { vi } from "vitest";
import type { Delivery } from "../../shared/api";
import type { LeadEventType, WebhookConfig } from "../../worker/config";
import type { Lead } from "../../worker/lead/object";
import type { DeliveryEnv } from "../../worker/webhooks/delivery";
import type { Alert } from "../../worker/webhooks/payload";
import { OutboxStore } from "../../worker/webhooks/store";

/** A DeliveryEnv's `secret` lookup over these values, as the Worker's environment would hold them. */
export const secrets = (values: Record<string, string>): DeliveryEnv["secret"] => (name) => values[name];

export const SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLWxlYWRsaWdodC10ZXN0cw==";

export interface Received {
  url: string;
  headers: Headers;
  body: string;
  /** The parsed body. */
  json: { type?: string; sequence?: number; text?: string; data?: { lead?: { email?: string } } };
  at: number;
}

/**
 * Replaces `fetch` with a receiver that records each request and answers with `answer`.
 * Only requests whose body mentions `only` are recorded and answered by it (alarms of other
 * tests' leads may still fire); the rest get 204.
 */
export function receiver(only: string, answer: (call: Received, index: number) => Response | Promise<Response> = () => new Response(null, { status: 204 })) {
  const calls: Received[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = await request.text();
    if (!body.includes(only)) return new Response(null, { status: 204 });
    const call: Received = { url: request.url, headers: request.headers, body, json: JSON.parse(body), at: Date.now() };
    calls.push(call);
    return answer(call, calls.length - 1);
  });
  return calls;
}

type LeadStub = DurableObjectStub<Lead>;

export const deliveries = (stub: LeadStub): Promise<Delivery[]> =>
  runInDurableObject(stub, (_, state) => new OutboxStore(state.storage.sql).list());

/** The raw outbox rows (oldest first), for what the read API does not show, like next_at. */
export const outboxRows = (stub: LeadStub) =>
  runInDurableObject(stub, (_, state) =>
    state.storage.sql
      .exec<{ id: string; type: string; sequence: number; status: string; tries: number; next_at: number | null }>(
        "SELECT id, type, sequence, status, tries, next_at FROM webhook_outbox ORDER BY sequence",
      )
      .toArray(),
  );

export const alarmAt = (stub: LeadStub) => runInDurableObject(stub, (_, state) => state.storage.getAlarm());
export const outboxDue = (stub: LeadStub) => runInDurableObject(stub, (_, state) => new OutboxStore(state.storage.sql).nextDue());

/**
 * Runs the lead's alarm until nothing in its outbox is due now (a message held behind a retrying
 * one is not due). The alarm may also fire on its
 * own (it is set for "now"), so this waits for that run to finish too.
 */
export async function drain(stub: LeadStub): Promise<void> {
  for (let round = 0; round < 100; round++) {
    await runDurableObjectAlarm(stub);
    const due = await outboxDue(stub);
    if (due === null || due > Date.now()) return;
    await scheduler.wait(10);
  }
  throw new Error("the outbox still has due messages after 100 alarm runs");
}

/** Time travel: every pending message becomes due now, as if its retry delay had passed. */
export const elapse = (stub: LeadStub) =>
  runInDurableObject(stub, (instance, state) => {
    state.storage.sql.exec("UPDATE webhook_outbox SET next_at = min(next_at, ?) WHERE status = 'pending'", Date.now());
    // Written behind the object's back: it must read its next due time again.
    (instance as unknown as { outbox: OutboxStore }).outbox.forget();
  });

/** An endpoint config for tests that drive the outbox directly (a loopback URL: a DeliveryEnv with `dev: true`). */
export const testHook = (overrides: Partial<WebhookConfig> = {}): WebhookConfig => ({
  id: "sales",
  url: "http://127.0.0.1:9/hook",
  events: ["lead.identified", "lead.mql", "lead.sql"],
  secret_env: "WEBHOOK_SECRET_SALES",
  format: "standard",
  ...overrides,
});

/** A fresh lead-like alert; `marker` (the lead id, in its email too) lets the receiver tell a test's requests apart. */
export function testAlert(type: LeadEventType, sequence: number, marker: string): Alert {
  return {
    type,
    sequence,
    at: Date.now(),
    lead: {
      id: marker,
      email: `${marker}@acme.io`,
      traits: { name: "Ada Lovelace", title: "VP Sales", company: "Acme" },
      stage: type === "lead.identified" ? "known" : type === "lead.mql" ? "mql" : "sql",
      score: 95,
      engagement: 60,
      fit: 35,
      sequence,
      first_seen: new Date().toISOString(),
      last_seen: new Date().toISOString(),
      source: null,
      verified: true,
    },
    from: "known",
    to: "sql",
    reasons: [{ rule: "demo-request", points: 30, count: 1 }],
    recent: [],
    dashboard_url: `https://collector.site.test/dashboard#lead=${marker}`,
  };
}
