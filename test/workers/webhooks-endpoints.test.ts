/**
 * 410 Gone disables an endpoint for every lead, not only the one that heard it: the record is
 * in the lead index (D1), read once per delivery run. A redelivery or a new URL enables it
 * again; an index that is down falls back to each lead's own record and never holds back an
 * alert. Most tests drive the outbox module on Lead objects' storage with an endpoint id of
 * their own (the index is shared by every test in this file); one goes through ingest and the
 * real alarm.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { WebhookConfig } from "../../worker/config";
import { emailLead } from "../../worker/identity";
import { disabledEndpoints, enableEndpoint } from "../../worker/webhooks/endpoints";
import { type DeliveryEnv, deliverDue } from "../../worker/webhooks/delivery";
import { OutboxStore } from "../../worker/webhooks/store";
import { SITE, identify, send, uid } from "./helpers";
import { SECRET, deliveries, drain, receiver, secrets, testAlert, testHook } from "./webhooks-support";

/** Local development, the sales endpoint's secret set, and the lead index every lead shares. */
const SHARED: DeliveryEnv = { dev: true, secret: secrets({ WEBHOOK_SECRET_SALES: SECRET }), index: env.LEAD_INDEX };

/** A Lead object of its own: its migrations made the outbox tables; nothing else is stored. */
const newLead = () => env.LEAD.get(env.LEAD.newUniqueId());
type Stub = ReturnType<typeof newLead>;
const onLead = <R>(stub: Stub, fn: (outbox: OutboxStore) => R | Promise<R>): Promise<R> =>
  runInDurableObject(stub, (_, state) => fn(new OutboxStore(state.storage.sql)));

/** Writes one alert to the lead's outbox and runs one delivery; returns the lead's deliveries. */
const alertAndDeliver = (stub: Stub, hooks: WebhookConfig[], marker: string, sequence: number, deliveryEnv: DeliveryEnv = SHARED) =>
  onLead(stub, async (outbox) => {
    outbox.enqueue(hooks, [testAlert("lead.sql", sequence, marker)], Date.now());
    await deliverDue(outbox, deliveryEnv, hooks, Date.now());
    return outbox.list();
  });

/** A D1 binding that is down: every call throws. */
const downIndex = {
  prepare() {
    throw new Error("D1_ERROR: Network connection lost.");
  },
  batch() {
    return Promise.reject(new Error("D1_ERROR: Network connection lost."));
  },
} as unknown as D1Database;

/** The real index, with every statement it is asked to prepare written down. */
function countingIndex(db: D1Database) {
  const statements: string[] = [];
  const proxy = new Proxy(db, {
    get(target, property) {
      if (property === "prepare") {
        return (query: string) => {
          statements.push(query);
          return target.prepare(query);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: proxy, statements };
}

/** Each test's endpoint id and marker, so tests sharing the index never see each other's 410s. */
function fresh() {
  const m = uid("gone");
  return { m, a: `${m}-a`, b: `${m}-b`, hook: testHook({ id: `ep-${m}`, url: `http://127.0.0.1:9/${m}` }) };
}

const GONE_LINE = /^not sent: endpoint "ep-gone-[^"]+" was disabled by 410 Gone at \d{4}-\d\d-\d\dT[\d:.]+Z$/;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("410 Gone disables the endpoint for every lead", () => {
  it("lead A hears 410; lead B's alert to the same endpoint is not sent and is marked disabled, saying why", async () => {
    const { m, a, b, hook } = fresh();
    const calls = receiver(m, () => new Response(null, { status: 410 }));
    const [first] = await alertAndDeliver(newLead(), [hook], a, 1);
    expect(first).toMatchObject({ status: "disabled", attempts: [{ status: 410 }] });
    expect((await disabledEndpoints(env.LEAD_INDEX)).get(hook.id)).toMatchObject({ url: hook.url, reason: "410 Gone", at: expect.any(Number) });

    const [other] = await alertAndDeliver(newLead(), [hook], b, 1);
    expect(calls.map((c) => c.json.data?.lead?.email)).toEqual([`${a}@acme.io`]);
    expect(other).toMatchObject({ status: "disabled", next_attempt_at: null, attempts: [{ attempt: 1, status: null, duration_ms: 0 }] });
    expect(other?.attempts[0]?.error).toMatch(GONE_LINE);
    const at = new Date((await disabledEndpoints(env.LEAD_INDEX)).get(hook.id)?.at as number).toISOString();
    expect(other?.attempts[0]?.error).toContain(`at ${at}`);
  });

  it("other endpoints of lead B are still sent", async () => {
    const { m, a, b, hook } = fresh();
    const up = testHook({ id: `up-${m}`, url: `http://127.0.0.1:9/up-${m}` });
    const calls = receiver(m, (call) => new Response(null, { status: call.url.endsWith(`/${m}`) ? 410 : 204 }));
    await alertAndDeliver(newLead(), [hook], a, 1);
    const list = await alertAndDeliver(newLead(), [hook, up], b, 1);
    expect(list.map((d) => [d.endpoint, d.status]).sort()).toEqual([
      [hook.id, "disabled"],
      [up.id, "delivered"],
    ]);
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual([`/${m}`, `/up-${m}`]);
  });

  it("reads the index once per delivery run, not once per message", async () => {
    const { m, b, hook } = fresh();
    receiver(m);
    const second = testHook({ id: `two-${m}`, url: `http://127.0.0.1:9/two-${m}` });
    const { db, statements } = countingIndex(env.LEAD_INDEX);
    const list = await onLead(newLead(), async (outbox) => {
      outbox.enqueue([hook, second], [testAlert("lead.identified", 1, b), testAlert("lead.mql", 2, b), testAlert("lead.sql", 3, b)], Date.now());
      await deliverDue(outbox, { ...SHARED, index: db }, [hook, second], Date.now());
      return outbox.list();
    });
    expect(list.map((d) => d.status)).toEqual(Array(6).fill("delivered"));
    expect(statements.filter((s) => /^\s*SELECT/i.test(s))).toHaveLength(1);
    // Nothing due: the run does not ask the index at all.
    statements.length = 0;
    await onLead(newLead(), (outbox) => deliverDue(outbox, { ...SHARED, index: db }, [hook], Date.now()));
    expect(statements).toEqual([]);
  });

  it("through ingest and the Lead object's alarm: lead B never calls the receiver that told lead A 410", async () => {
    const token = uid("gone");
    const [emailA, emailB] = [`a-${token}@acme.io`, `b-${token}@acme.io`];
    const calls = receiver(token, (call) => new Response(null, { status: call.body.includes(emailA) ? 410 : 204 }));
    try {
      await send(uid("v"), [identify(emailA, { title: "VP Sales" })]);
      await drain(emailLead(env, SITE, emailA));
      await send(uid("v"), [identify(emailB, { title: "VP Sales" })]);
      await drain(emailLead(env, SITE, emailB));
      expect(calls.map((c) => c.json.data?.lead?.email)).toEqual([emailA]);
      const [delivery] = await deliveries(emailLead(env, SITE, emailB));
      expect(delivery).toMatchObject({ endpoint: "sales", type: "lead.identified", status: "disabled" });
      expect(delivery?.attempts.map((x) => x.error)).toEqual([expect.stringMatching(/^not sent: endpoint "sales" was disabled by 410 Gone at /)]);
    } finally {
      await enableEndpoint(env.LEAD_INDEX, "sales");
    }
  });
});

describe("enabled again", () => {
  it("by a redelivery, for every lead: the redelivered message and other leads' new alerts are sent", async () => {
    const { m, a, b, hook } = fresh();
    let gone = true;
    const calls = receiver(m, () => new Response(null, { status: gone ? 410 : 204 }));
    const leadA = newLead();
    const leadB = newLead();
    const [heard] = await alertAndDeliver(leadA, [hook], a, 1);
    expect((await alertAndDeliver(leadB, [hook], b, 1))[0]?.status).toBe("disabled");

    // The receiver is back; the operator redelivers lead A's message. This is what the Lead
    // object's `redeliver` does: enable everywhere first, then the lead's own redelivery.
    gone = false;
    await onLead(leadA, async (outbox) => {
      const endpoint = outbox.endpointOf(heard?.id as string);
      expect(endpoint).toBe(hook.id);
      await enableEndpoint(env.LEAD_INDEX, endpoint as string);
      expect(outbox.redeliver(heard?.id as string, Date.now())).toBe(true);
      await deliverDue(outbox, SHARED, [hook], Date.now());
    });
    expect((await disabledEndpoints(env.LEAD_INDEX)).has(hook.id)).toBe(false);
    expect((await onLead(leadA, (outbox) => outbox.list()))[0]).toMatchObject({ id: heard?.id, status: "delivered" });

    // Lead B's next alert goes out; the one it missed stays disabled until it is redelivered too.
    const listB = await alertAndDeliver(leadB, [hook], b, 2);
    expect(listB.map((d) => [d.sequence, d.status])).toEqual([
      [2, "delivered"],
      [1, "disabled"],
    ]);
    expect(calls.map((c) => [c.json.data?.lead?.email, c.json.sequence])).toEqual([
      [`${a}@acme.io`, 1],
      [`${a}@acme.io`, 1],
      [`${b}@acme.io`, 2],
    ]);
  });

  it("by a new URL in the config, for every lead", async () => {
    const { m, a, b, hook } = fresh();
    const moved = { ...hook, url: `http://127.0.0.1:9/${m}/v2` };
    const calls = receiver(m, (call) => new Response(null, { status: call.url.endsWith("/v2") ? 204 : 410 }));
    await alertAndDeliver(newLead(), [hook], a, 1);
    const [other] = await alertAndDeliver(newLead(), [moved], b, 1);
    expect(other).toMatchObject({ status: "delivered", attempts: [{ status: 204 }] });
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual([`/${m}`, `/${m}/v2`]);
  });
});

describe("the lead index is down", () => {
  it("a lead that never heard the 410 still sends: alerts are not held back by the index", async () => {
    const { m, a, b, hook } = fresh();
    const calls = receiver(m, (call) => new Response(null, { status: call.body.includes(a) ? 410 : 204 }));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    await alertAndDeliver(newLead(), [hook], a, 1);
    const [other] = await alertAndDeliver(newLead(), [hook], b, 1, { ...SHARED, index: downIndex });
    expect(other).toMatchObject({ status: "delivered" });
    expect(calls).toHaveLength(2);
  });

  it("a 410 is still kept by the lead that heard it, and stops its later alerts", async () => {
    const { m, a, hook } = fresh();
    const calls = receiver(m, () => new Response(null, { status: 410 }));
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const down = { ...SHARED, index: downIndex };
    const leadA = newLead();
    await alertAndDeliver(leadA, [hook], a, 1, down);
    const list = await alertAndDeliver(leadA, [hook], a, 2, down);
    expect(calls).toHaveLength(1);
    expect(list.map((d) => [d.sequence, d.status, d.attempts.length])).toEqual([
      [2, "disabled", 1],
      [1, "disabled", 1],
    ]);
    expect(list[0]?.attempts[0]?.error).toMatch(GONE_LINE);
    // The index did not get it: other leads are not told (they will hear the 410 themselves).
    expect((await disabledEndpoints(env.LEAD_INDEX)).has(hook.id)).toBe(false);
    const line = errors.mock.calls.map((call) => String(call[0])).find((text) => text.includes("webhook.disable_not_shared"));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ endpoint: hook.id, reason: expect.stringContaining("the lead index did not record the 410") });
  });
});
