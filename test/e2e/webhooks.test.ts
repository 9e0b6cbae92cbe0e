/**
 * Webhook alerts end to end: a real `wrangler dev` collector, and a real HTTP receiver on
 * 127.0.0.1 that verifies every alert with the `standardwebhooks` library, as sales' receiver
 * would. Retries are shrunk with LEADLIGHT_RETRY_SCALE (5 s → 5 ms); the schedule is unchanged.
 */
import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import bundled from "../../leadlight.config.json";
import { type Collector, TEST_ADMIN_TOKEN, startCollector } from "../support/collector";

const SECRET = "whsec_bGVhZGxpZ2h0LWUyZS13ZWJob29rLXNlY3JldA==";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  answered: number;
}

/** What the receiver answers to a request; set per test. */
let answer: (received: Omit<Received, "answered">) => number = () => 204;
const received: Received[] = [];
let receiver: Server;
let collector: Collector;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const message = { headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      const status = answer(message);
      received.push({ ...message, answered: status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as AddressInfo;
  collector = await startCollector({
    config: {
      ...bundled,
      webhooks: [
        {
          id: "sales",
          url: `http://127.0.0.1:${port}/leadlight`,
          events: ["lead.identified", "lead.mql", "lead.sql"],
          secret_env: "WEBHOOK_SECRET_SALES",
          format: "standard",
        },
      ],
    },
    vars: { WEBHOOK_SECRET_SALES: SECRET, LEADLIGHT_RETRY_SCALE: "0.001" },
  });
});

afterAll(async () => {
  await collector?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

let counter = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** Sends a batch; returns when it was sent (the alert may arrive before the 202 does). */
async function ingest(visitor: string, events: Record<string, unknown>[]): Promise<number> {
  const sentAt = Date.now();
  const response = await fetch(`${collector.url}/v1/events`, {
    method: "POST",
    headers: { "content-type": "text/plain", "user-agent": BROWSER },
    body: JSON.stringify({ site: "pk_demo", visitor, events: events.map((e) => ({ id: id("e"), ts: Date.now(), ...e })) }),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  return sentAt;
}

const identify = (email: string) => ({ type: "identify", props: { email, traits: { title: "VP Sales", company_size: 200 } } });
const download = { type: "download", url: "https://example.com/whitepaper", props: { href: "/whitepaper.pdf" } };
const demoRequest = { type: "track", name: "demo_request", props: {} };

const alertsFor = (email: string) => received.filter((r) => r.body.includes(email));

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(received.map((r) => r.body.slice(0, 80)))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function adminGet<T>(path: string): Promise<T> {
  const response = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

interface DeliveryView {
  id: string;
  type: string;
  status: string;
  attempts: { attempt: number; status: number | null; error: string | null }[];
}

async function deliveriesOf(email: string): Promise<DeliveryView[]> {
  const { leads } = await adminGet<{ leads: { id: string }[] }>(`/v1/leads?email=${encodeURIComponent(email)}`);
  const lead = leads[0];
  if (!lead) throw new Error(`no lead for ${email}`);
  return (await adminGet<{ deliveries: DeliveryView[] }>(`/v1/leads/${lead.id}`)).deliveries;
}

describe("webhook alerts from a running collector", () => {
  it("a lead driven through identify → MQL → SQL produces exactly those three alerts, each verified", async () => {
    answer = () => 204;
    const email = `${id("ada")}@acme.io`;
    const visitor = id("v");
    const latencies: number[] = [];

    const steps: [Record<string, unknown>[], number][] = [
      [[identify(email)], 1],
      [[download], 2],
      [[demoRequest], 3],
    ];
    for (const [events, count] of steps) {
      const sent = await ingest(visitor, events);
      const arrived = await waitFor(`alert ${count}`, () => alertsFor(email)[count - 1]);
      latencies.push(arrived.at - sent);
    }
    // Nothing more arrives: one alert per transition.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const alerts = alertsFor(email);
    expect(alerts).toHaveLength(3);

    const verifier = new Webhook(SECRET);
    const payloads = alerts.map((alert) => {
      expect(alert.headers["content-type"]).toBe("application/json");
      expect(alert.headers["user-agent"]).toBe("Leadlight-Webhooks/1");
      return verifier.verify(alert.body, alert.headers as Record<string, string>) as {
        type: string;
        sequence: number;
        timestamp: string;
        data: { lead: { email: string; stage: string }; from: string; to: string; reasons: { rule: string }[]; sequence: number };
      };
    });
    expect(payloads.map((p) => [p.type, p.sequence, p.data.from, p.data.to, p.data.lead.stage])).toEqual([
      ["lead.identified", 1, "anonymous", "known", "known"],
      ["lead.mql", 2, "known", "mql", "mql"],
      ["lead.sql", 3, "mql", "sql", "sql"],
    ]);
    for (const p of payloads) {
      expect(p.data.lead.email).toBe(email);
      expect(p.data.sequence).toBe(p.sequence);
    }
    expect(payloads[2]?.data.reasons.map((r) => r.rule)).toContain("demo-request");
    expect(new Set(alerts.map((a) => a.headers["webhook-id"])).size).toBe(3);

    const deliveries = await deliveriesOf(email);
    expect(deliveries.map((d) => [d.type, d.status, d.attempts.length])).toEqual([
      ["lead.sql", "delivered", 1],
      ["lead.mql", "delivered", 1],
      ["lead.identified", "delivered", 1],
    ]);
    console.info(`ingest request sent → alert received: ${latencies.map((ms) => `${ms} ms`).join(", ")}`);
  });

  it("a receiver that fails the first attempt gets the same webhook-id again, and the alert arrives once it recovers", async () => {
    const email = `${id("grace")}@acme.io`;
    const failedOnce = new Set<string>();
    answer = (message) => {
      if (!message.body.includes(email)) return 204;
      const webhookId = String(message.headers["webhook-id"]);
      if (failedOnce.has(webhookId)) return 204;
      failedOnce.add(webhookId);
      return 503;
    };
    const sent = await ingest(id("v"), [identify(email)]);
    const [first, second] = await waitFor("the retry", () => {
      const alerts = alertsFor(email);
      return alerts.length >= 2 && alerts;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alertsFor(email)).toHaveLength(2);

    expect(first?.answered).toBe(503);
    expect(second?.answered).toBe(204);
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    expect(second?.body).toBe(first?.body);
    const verifier = new Webhook(SECRET);
    for (const alert of [first, second]) {
      expect(() => verifier.verify(alert?.body as string, alert?.headers as Record<string, string>)).not.toThrow();
    }
    const [delivery] = await deliveriesOf(email);
    expect(delivery).toMatchObject({ type: "lead.identified", status: "delivered" });
    expect(delivery?.attempts.map((a) => a.status)).toEqual([503, 204]);
    console.info(
      `first attempt ${(first?.at ?? 0) - sent} ms after ingest, retry ${(second?.at ?? 0) - (first?.at ?? 0)} ms later (schedule 5 s × 0.001)`,
    );
  });
});
