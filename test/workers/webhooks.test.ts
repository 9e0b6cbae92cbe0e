/**
 * Webhook alerts through a real Lead object: ingest drives the stage changes, the outbox rows
 * are written with them, and the object's alarm delivers (the default config: endpoint "sales"
 * on the dev inbox URL, signed with WEBHOOK_SECRET_SALES, LEADLIGHT_DEV=true, retry scale 1).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { emailLead, visitorLead } from "../../worker/identity";
import { enableEndpoint } from "../../worker/webhooks/endpoints";
import { RETRY_SCHEDULE_MS } from "../../worker/webhooks/schedule";
import { OutboxStore } from "../../worker/webhooks/store";
import { SITE, admin, identify, pageView, send, track, uid } from "./helpers";
import { SECRET, alarmAt, deliveries, drain, elapse, outboxDue, outboxRows, receiver } from "./webhooks-support";

const VP = { title: "VP Sales", company_size: 200 };
const download = () => ({ id: uid("dl"), type: "download", ts: 1_763_900_000_000, url: "https://example.com/r", props: { href: "/r.pdf" } });
const address = () => `${uid("ada")}@acme.io`;
const lead = (email: string) => emailLead(env, SITE, email);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the outbox is written with the stage change", () => {
  it("a transition writes its alert row in the same write; events that change no stage write none", async () => {
    // Answers every delivery with 204, so the alarm's sends stay inside the test.
    receiver("nothing-matches");
    const visitor = uid("v");
    await send(visitor, [pageView("/"), pageView("/blog")]);
    expect(await outboxRows(visitorLead(env, SITE, visitor))).toEqual([]);

    const email = address();
    await send(visitor, [identify(email, VP)]);
    const rows = await outboxRows(lead(email));
    expect(rows).toMatchObject([{ type: "lead.identified", sequence: 1 }]);
    const { body } = await admin(`/v1/leads/${lead(email).id.toString()}`);
    expect(body.transitions.map((t: { sequence: number; to: string }) => [t.sequence, t.to])).toEqual([[1, "known"]]);

    await send(visitor, [pageView("/about")]);
    expect(await outboxRows(lead(email))).toHaveLength(1);
  });

  it("an outbox row rolls back with the transaction that wrote it", async () => {
    const stub = env.LEAD.get(env.LEAD.newUniqueId());
    const rows = await runInDurableObject(stub, (_, state) => {
      const hooks = [{ id: "sales", url: "https://hooks.example.com/x", events: ["lead.mql" as const], secret_env: "S", format: "standard" as const }];
      expect(() =>
        state.storage.transactionSync(() => {
          new OutboxStore(state.storage.sql).enqueue(hooks, [alertFixture()], Date.now());
          throw new Error("the stage change failed to store");
        }),
      ).toThrow("failed to store");
      return state.storage.sql.exec("SELECT id FROM webhook_outbox").toArray();
    });
    expect(rows).toEqual([]);
  });

  it("ingest answers while the receiver hangs: delivery happens from the alarm, not inline", async () => {
    const email = address();
    let release: () => void = () => undefined;
    const hanging = new Promise<void>((resolve) => {
      release = resolve;
    });
    const calls = receiver(email, async () => {
      await hanging;
      return new Response(null, { status: 204 });
    });
    const response = await send(uid("v"), [identify(email, VP)]);
    expect(response.status).toBe(202);
    release();
    await drain(lead(email));
    expect(calls.map((c) => c.json.type)).toEqual(["lead.identified"]);
  });
});

describe("delivery", () => {
  it("sends each stage change once, signed so that standardwebhooks verifies it, and stops on 2xx", async () => {
    const email = address();
    const calls = receiver(email);
    const visitor = uid("v");
    await send(visitor, [identify(email, VP), download()]);
    await send(visitor, [track("demo_request")]);
    await drain(lead(email));

    expect(calls.map((c) => [c.json.type, c.json.sequence])).toEqual([
      ["lead.identified", 1],
      ["lead.mql", 2],
      ["lead.sql", 3],
    ]);
    const verifier = new Webhook(SECRET);
    for (const call of calls) {
      expect(call.url).toBe("https://hooks.site.test/sales");
      expect(call.headers.get("content-type")).toBe("application/json");
      expect(call.headers.get("user-agent")).toBe("Leadlight-Webhooks/1");
      const payload = verifier.verify(call.body, Object.fromEntries(call.headers)) as Record<string, unknown>;
      expect(payload).toMatchObject({ type: call.json.type, sequence: call.json.sequence, data: { sequence: call.json.sequence } });
    }
    const sql = calls[2]?.json as { data: { lead: { email: string; stage: string }; from: string; to: string; reasons: unknown[]; recent: unknown[] } };
    expect(sql.data).toMatchObject({ lead: { email, stage: "sql" }, from: "mql", to: "sql" });
    expect(sql.data.reasons).toContainEqual({ rule: "demo-request", points: 30, count: 1 });
    expect(sql.data.recent.length).toBeGreaterThan(0);

    // Success stops retries: nothing pending, no alarm, and another alarm run sends nothing.
    expect((await deliveries(lead(email))).map((d) => [d.status, d.attempts.length])).toEqual([
      ["delivered", 1],
      ["delivered", 1],
      ["delivered", 1],
    ]);
    expect(await outboxDue(lead(email))).toBeNull();
    await runDurableObjectAlarm(lead(email));
    await elapse(lead(email));
    await drain(lead(email));
    expect(calls).toHaveLength(3);
  });

  it("retries a failed attempt with the same webhook-id, 5 s ± 10 % later, and delivers once the receiver recovers", async () => {
    const email = address();
    const calls = receiver(email, (_, index) =>
      index === 0 ? new Response("upstream down", { status: 500 }) : new Response(null, { status: 204 }),
    );
    await send(uid("v"), [identify(email, VP)]);
    await drain(lead(email));
    const [failed] = await deliveries(lead(email));
    expect(failed).toMatchObject({ status: "pending", attempts: [{ attempt: 1, status: 500, error: "HTTP 500: upstream down" }] });
    const [row] = await outboxRows(lead(email));
    const wait = (row?.next_at as number) - Date.parse(failed?.attempts[0]?.at as string);
    expect(wait).toBeGreaterThanOrEqual(4_500 - 50);
    expect(wait).toBeLessThanOrEqual(5_500 + 50);
    // The one alarm points at that retry.
    expect(await alarmAt(lead(email))).toBe(row?.next_at);

    await elapse(lead(email));
    await drain(lead(email));
    expect(calls).toHaveLength(2);
    expect(calls[1]?.headers.get("webhook-id")).toBe(calls[0]?.headers.get("webhook-id"));
    expect(calls[1]?.body).toBe(calls[0]?.body);
    expect(() => new Webhook(SECRET).verify(calls[1]?.body as string, Object.fromEntries(calls[1]?.headers ?? []))).not.toThrow();
    const [delivered] = await deliveries(lead(email));
    expect(delivered).toMatchObject({ status: "delivered", attempts: [{ status: 500 }, { status: 204, error: null }] });
    expect(await outboxDue(lead(email))).toBeNull();
  });

  it("follows the whole schedule with jitter, the alarm always at the next try, and marks the delivery failed after the 10th", async () => {
    const email = address();
    const calls = receiver(email, () => new Response("no", { status: 503 }));
    await send(uid("v"), [identify(email, VP)]);
    for (let attempt = 1; attempt <= 10; attempt++) {
      await drain(lead(email));
      const [delivery] = await deliveries(lead(email));
      expect(delivery?.attempts).toHaveLength(attempt);
      if (attempt === 10) break;
      const [row] = await outboxRows(lead(email));
      const slot = RETRY_SCHEDULE_MS[attempt] as number;
      const wait = (row?.next_at as number) - Date.parse(delivery?.attempts[attempt - 1]?.at as string);
      expect(wait, `wait after attempt ${attempt}`).toBeGreaterThanOrEqual(slot * 0.9 - 50);
      expect(wait, `wait after attempt ${attempt}`).toBeLessThanOrEqual(slot * 1.1 + 50);
      expect(await alarmAt(lead(email))).toBe(row?.next_at);
      await elapse(lead(email));
    }
    const [delivery] = await deliveries(lead(email));
    expect(delivery).toMatchObject({ status: "failed", next_attempt_at: null });
    expect(delivery?.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(calls.map((c) => c.headers.get("webhook-id"))).size).toBe(1);
    expect(await outboxDue(lead(email))).toBeNull();
  });

  it("honours Retry-After when it asks for longer than the schedule", async () => {
    const email = address();
    receiver(email, () => new Response(null, { status: 429, headers: { "retry-after": "120" } }));
    await send(uid("v"), [identify(email, VP)]);
    await drain(lead(email));
    const [delivery] = await deliveries(lead(email));
    const [row] = await outboxRows(lead(email));
    const wait = (row?.next_at as number) - Date.parse(delivery?.attempts[0]?.at as string);
    expect(wait).toBeGreaterThanOrEqual(120_000);
    expect(wait).toBeLessThan(121_000);
    expect(await alarmAt(lead(email))).toBe(row?.next_at);
  });

  it("410 Gone disables the endpoint: no retry, and later alerts are not sent", async () => {
    const email = address();
    const calls = receiver(email, () => new Response(null, { status: 410 }));
    const visitor = uid("v");
    try {
      await send(visitor, [identify(email, VP)]);
      await drain(lead(email));
      await send(visitor, [track("demo_request")]);
      await drain(lead(email));
      await elapse(lead(email));
      await drain(lead(email));
      expect(calls.map((c) => c.json.type)).toEqual(["lead.identified"]);
      const list = await deliveries(lead(email));
      expect(list.map((d) => [d.type, d.status, d.attempts.length])).toEqual([
        ["lead.sql", "disabled", 1],
        ["lead.identified", "disabled", 1],
      ]);
      expect(list[0]?.attempts[0]).toMatchObject({ status: null, error: expect.stringMatching(/^not sent: endpoint "sales" was disabled by 410 Gone at /) });
      expect(await outboxDue(lead(email))).toBeNull();
    } finally {
      // The 410 disabled "sales" for every lead (in the lead index): the next tests need it back.
      await enableEndpoint(env.LEAD_INDEX, "sales");
    }
  });

  it("delivers to an endpoint in sequence order: a later alert waits behind an earlier one being retried", async () => {
    const email = address();
    const calls = receiver(email, (_, index) => new Response(null, { status: index === 0 ? 502 : 204 }));
    const visitor = uid("v");
    await send(visitor, [identify(email, VP), download()]);
    await drain(lead(email));
    // identified failed and waits 5 s; mql is held behind it.
    expect(calls.map((c) => c.json.sequence)).toEqual([1]);
    await send(visitor, [track("demo_request")]);
    await drain(lead(email));
    expect(calls.map((c) => c.json.sequence)).toEqual([1]);
    // The runtime may be running the alarm it set for the demo request's index copy (getAlarm reads
    // null meanwhile); once it is done, the alarm points at the held retry.
    const retryAt = (await outboxRows(lead(email)))[0]?.next_at;
    await vi.waitFor(async () => expect(await alarmAt(lead(email))).toBe(retryAt), { timeout: 5_000, interval: 20 });

    await elapse(lead(email));
    await drain(lead(email));
    expect(calls.map((c) => [c.json.sequence, c.json.type])).toEqual([
      [1, "lead.identified"],
      [1, "lead.identified"],
      [2, "lead.mql"],
      [3, "lead.sql"],
    ]);
  });

  it("the default endpoint gets lead.recycled from sales feedback, and not lead.accepted, which it does not list", async () => {
    const rejected = address();
    const accepted = address();
    const calls = receiver("@acme.io");
    for (const [email, outcome] of [
      [rejected, "rejected"],
      [accepted, "accepted"],
    ] as const) {
      await send(uid("v"), [identify(email, VP), track("demo_request")]);
      const id = lead(email).id.toString();
      expect((await admin(`/v1/leads/${id}/feedback`, { method: "POST", body: JSON.stringify({ outcome }) })).status).toBe(200);
      await drain(lead(email));
    }
    const typesFor = (email: string) => calls.filter((c) => c.body.includes(email)).map((c) => [c.json.sequence, c.json.type]);
    expect(typesFor(rejected)).toEqual([
      [1, "lead.identified"],
      [2, "lead.sql"],
      [3, "lead.recycled"],
    ]);
    expect(typesFor(accepted)).toEqual([
      [1, "lead.identified"],
      [2, "lead.sql"],
    ]);
    expect((await outboxRows(lead(accepted))).map((r) => r.type)).toEqual(["lead.identified", "lead.sql"]);
  });

  it("shows every attempt in the lead's read API", async () => {
    const email = address();
    receiver(email, (_, index) => new Response(null, { status: index === 0 ? 500 : 200 }));
    await send(uid("v"), [identify(email, VP)]);
    await drain(lead(email));
    await elapse(lead(email));
    await drain(lead(email));
    const id = lead(email).id.toString();
    const { body } = await admin(`/v1/leads/${id}`);
    expect(body.deliveries).toHaveLength(1);
    const [delivery] = body.deliveries;
    expect(delivery).toMatchObject({ endpoint: "sales", type: "lead.identified", sequence: 1, status: "delivered" });
    expect(delivery.id).toMatch(/^msg_/);
    expect(delivery.attempts).toEqual([
      { attempt: 1, at: expect.any(String), status: 500, duration_ms: expect.any(Number), error: "HTTP 500" },
      { attempt: 2, at: expect.any(String), status: 200, duration_ms: expect.any(Number), error: null },
    ]);
  });
});

function alertFixture() {
  return {
    type: "lead.mql" as const,
    sequence: 1,
    at: Date.now(),
    lead: {
      id: "l1",
      email: "ada@acme.io",
      traits: {},
      stage: "mql" as const,
      score: 45,
      engagement: 10,
      fit: 35,
      sequence: 1,
      first_seen: new Date().toISOString(),
      last_seen: new Date().toISOString(),
      source: null,
      verified: true,
    },
    from: "known" as const,
    to: "mql" as const,
    reasons: [],
    recent: [],
    dashboard_url: null,
  };
}
