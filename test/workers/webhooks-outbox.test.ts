/**
 * The outbox module on a Lead object's own SQLite storage, with webhook configs and
 * environments chosen per test (filters, rotation, Slack, SSRF), which the shared config of
 * the Worker cannot vary.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type DeliveryEnv, deliverDue } from "../../worker/webhooks/delivery";
import { OutboxStore } from "../../worker/webhooks/store";
import { SECRET, receiver, secrets, testAlert, testHook } from "./webhooks-support";

const OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** Local development (loopback URLs allowed), the sales endpoint's secret set. */
const DEV: DeliveryEnv = { dev: true, secret: secrets({ WEBHOOK_SECRET_SALES: SECRET }) };

let counter = 0;
const hook = testHook;
const alert = testAlert;

/** Runs `fn` on the outbox of a fresh Lead object (its migrations created the outbox tables). */
function inObject<R>(fn: (outbox: OutboxStore) => R | Promise<R>): Promise<R> {
  return runInDurableObject(env.LEAD.get(env.LEAD.newUniqueId()), (_, state) => fn(new OutboxStore(state.storage.sql)));
}

const marker = () => `m${Date.now().toString(36)}${(counter++).toString(36)}`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("event filters", () => {
  it("each endpoint receives only the event types it lists", async () => {
    const m = marker();
    const calls = receiver(m);
    const hooks = [
      hook({ id: "sales", url: "http://127.0.0.1:9/sales", events: ["lead.sql"] }),
      hook({ id: "marketing", url: "http://127.0.0.1:9/marketing", events: ["lead.identified", "lead.mql"] }),
      hook({ id: "nobody", url: "http://127.0.0.1:9/nobody", events: ["lead.won"] }),
    ];
    const list = await inObject(async (outbox) => {
      outbox.enqueue(hooks, [alert("lead.identified", 1, m), alert("lead.mql", 2, m), alert("lead.sql", 3, m)], Date.now());
      await deliverDue(outbox, DEV, hooks, Date.now());
      return outbox.list();
    });
    expect(list.map((d) => [d.endpoint, d.type, d.status]).sort()).toEqual([
      ["marketing", "lead.identified", "delivered"],
      ["marketing", "lead.mql", "delivered"],
      ["sales", "lead.sql", "delivered"],
    ]);
    expect(calls.map((c) => [new URL(c.url).pathname, c.json.type]).sort()).toEqual([
      ["/marketing", "lead.identified"],
      ["/marketing", "lead.mql"],
      ["/sales", "lead.sql"],
    ]);
  });

  it("no matching endpoint: no row, nothing due", async () => {
    const [list, due] = await inObject((outbox) => {
      outbox.enqueue([hook({ events: ["lead.won"] })], [alert("lead.mql", 1, marker())], Date.now());
      return [outbox.list(), outbox.nextDue()] as const;
    });
    expect(list).toEqual([]);
    expect(due).toBeNull();
  });

  it("one transition enqueued twice is still one message per endpoint", async () => {
    const m = marker();
    const rows = await inObject((outbox) => {
      outbox.enqueue([hook()], [alert("lead.mql", 1, m)], Date.now());
      outbox.enqueue([hook()], [alert("lead.mql", 1, m)], Date.now());
      return outbox.list();
    });
    expect(rows).toHaveLength(1);
  });
});

describe("signing", () => {
  it("signs with every secret during a rotation; receivers on either verify, with the same webhook-id on each retry", async () => {
    const m = marker();
    const calls = receiver(m, (_, index) => new Response(null, { status: index === 0 ? 500 : 204 }));
    const rotating: DeliveryEnv = { ...DEV, secret: secrets({ WEBHOOK_SECRET_SALES: `${OLD} ${SECRET}` }) };
    await inObject(async (outbox) => {
      outbox.enqueue([hook()], [alert("lead.sql", 1, m)], Date.now());
      await deliverDue(outbox, rotating, [hook()], Date.now());
      await deliverDue(outbox, rotating, [hook()], Date.now() + 10_000);
    });
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      const signature = call.headers.get("webhook-signature") as string;
      expect(signature.split(" ")).toHaveLength(2);
      const headers = Object.fromEntries(call.headers);
      expect(() => new Webhook(OLD).verify(call.body, headers)).not.toThrow();
      expect(() => new Webhook(SECRET).verify(call.body, headers)).not.toThrow();
    }
    expect(calls[0]?.headers.get("webhook-id")).toBe(calls[1]?.headers.get("webhook-id"));
  });

  it("a missing secret is a failed attempt that names it, retried on the schedule (an operator may set it)", async () => {
    const m = marker();
    const calls = receiver(m);
    const hooks = [hook({ secret_env: "WEBHOOK_SECRET_X" })];
    const [delivery, due] = await inObject(async (outbox) => {
      outbox.enqueue(hooks, [alert("lead.sql", 1, m)], Date.now());
      const next = await deliverDue(outbox, DEV, hooks, Date.now());
      return [outbox.list()[0], next] as const;
    });
    expect(calls).toHaveLength(0);
    expect(delivery).toMatchObject({
      status: "pending",
      attempts: [{ attempt: 1, status: null, error: "secret WEBHOOK_SECRET_X is not set" }],
    });
    expect(due).toBeGreaterThan(Date.now() + 4_000);
  });

  it("a secret that is not whsec_ is refused the same way", async () => {
    const [delivery] = await inObject(async (outbox) => {
      outbox.enqueue([hook()], [alert("lead.sql", 1, marker())], Date.now());
      await deliverDue(outbox, { ...DEV, secret: secrets({ WEBHOOK_SECRET_SALES: "hunter2" }) }, [hook()], Date.now());
      return outbox.list();
    });
    expect(delivery?.attempts[0]?.error).toBe("secret WEBHOOK_SECRET_SALES is not a whsec_<base64> value");
  });
});

describe("Slack", () => {
  it("posts a Slack message, unsigned", async () => {
    const m = marker();
    const calls = receiver(m);
    const slack = hook({ id: "slack", url: "http://127.0.0.1:9/services/T0/B0/x", format: "slack", secret_env: undefined });
    await inObject(async (outbox) => {
      outbox.enqueue([slack], [alert("lead.sql", 1, m)], Date.now());
      await deliverDue(outbox, DEV, [slack], Date.now());
    });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.headers.get("webhook-signature")).toBeNull();
    expect(call?.headers.get("webhook-id")).toBeNull();
    const body = call?.json as { text: string; blocks: { type: string }[] };
    expect(body.text).toContain(`Ada Lovelace (${m}@acme.io) is now a Sales Qualified Lead`);
    expect(body.blocks.map((b) => b.type)).toEqual(["section", "section", "section", "actions", "context"]);
  });
});

describe("refused URLs", () => {
  it("outside local development a loopback URL is a failed attempt, never sent and never retried", async () => {
    const m = marker();
    const calls = receiver(m);
    const [delivery, due] = await inObject(async (outbox) => {
      outbox.enqueue([hook()], [alert("lead.sql", 1, m)], Date.now());
      const next = await deliverDue(outbox, { ...DEV, dev: false }, [hook()], Date.now());
      return [outbox.list()[0], next] as const;
    });
    expect(calls).toHaveLength(0);
    expect(due).toBeNull();
    expect(delivery).toMatchObject({ status: "failed", attempts: [{ status: null }] });
    expect(delivery?.attempts[0]?.error).toMatch(/^refused: 127\.0\.0\.1 is a loopback address/);
  });

  it("a private or metadata address is refused even in local development", async () => {
    const m = marker();
    const calls = receiver(m);
    const hooks = [hook({ url: "http://0xa9fea9fe/latest/meta-data" }), hook({ id: "lan", url: "http://[::ffff:192.168.1.1]/" })];
    const list = await inObject(async (outbox) => {
      outbox.enqueue(hooks, [alert("lead.sql", 1, m)], Date.now());
      await deliverDue(outbox, DEV, hooks, Date.now());
      return outbox.list();
    });
    expect(calls).toHaveLength(0);
    expect(list.map((d) => [d.status, d.attempts[0]?.error]).sort()).toEqual([
      ["failed", "refused: 169.254.169.254 is a link-local address (169.254.0.0/16, cloud metadata)"],
      ["failed", "refused: [::ffff:c0a8:101] is an IPv4-mapped form of a private address (192.168.0.0/16)"],
    ]);
  });

  it("a redirect is not followed (it could lead to a private address) and counts as a failure", async () => {
    const m = marker();
    receiver(m, () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } }));
    const [delivery] = await inObject(async (outbox) => {
      outbox.enqueue([hook()], [alert("lead.sql", 1, m)], Date.now());
      await deliverDue(outbox, DEV, [hook()], Date.now());
      return outbox.list();
    });
    expect(delivery).toMatchObject({
      status: "pending",
      attempts: [{ status: 302, error: "HTTP 302: redirects are not followed (to http://169.254.169.254/)" }],
    });
  });
});

describe("failures without an answer", () => {
  it("a timeout is logged as such and retried", async () => {
    const m = marker();
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const body = await new Request(input, init).text();
      if (body.includes(m)) throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
      return new Response(null, { status: 204 });
    });
    const [delivery] = await inObject(async (outbox) => {
      outbox.enqueue([hook()], [alert("lead.sql", 1, m)], Date.now());
      await deliverDue(outbox, DEV, [hook()], Date.now());
      return outbox.list();
    });
    expect(delivery).toMatchObject({ status: "pending", attempts: [{ status: null, error: "timed out after 15 s" }] });
  });

  it("asks fetch to give up after 15 s and not to follow redirects", async () => {
    const m = marker();
    const seen: RequestInit[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (_input, init) => {
      if (String(init?.body).includes(m)) seen.push(init ?? {});
      return new Response(null, { status: 204 });
    });
    await inObject(async (outbox) => {
      outbox.enqueue([hook()], [alert("lead.sql", 1, m)], Date.now());
      await deliverDue(outbox, DEV, [hook()], Date.now());
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.redirect).toBe("manual");
    expect(seen[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it("an endpoint removed from the config fails its pending messages", async () => {
    const [delivery] = await inObject(async (outbox) => {
      outbox.enqueue([hook({ id: "gone" })], [alert("lead.sql", 1, marker())], Date.now());
      await deliverDue(outbox, DEV, [hook()], Date.now());
      return outbox.list();
    });
    expect(delivery).toMatchObject({ status: "failed", attempts: [{ error: 'endpoint "gone" is no longer in the config' }] });
  });
});

describe("endpoints are independent", () => {
  it("a failing endpoint holds back only its own later messages", async () => {
    const m = marker();
    const calls = receiver(m, (call) => new Response(null, { status: call.url.endsWith("/down") ? 503 : 204 }));
    const hooks = [hook({ id: "down", url: "http://127.0.0.1:9/down" }), hook({ id: "up", url: "http://127.0.0.1:9/up" })];
    const list = await inObject(async (outbox) => {
      outbox.enqueue(hooks, [alert("lead.identified", 1, m), alert("lead.sql", 2, m)], Date.now());
      await deliverDue(outbox, DEV, hooks, Date.now());
      return outbox.list();
    });
    expect(calls.map((c) => [new URL(c.url).pathname, c.json.sequence])).toEqual(
      expect.arrayContaining([
        ["/down", 1],
        ["/up", 1],
        ["/up", 2],
      ]),
    );
    expect(calls).toHaveLength(3);
    expect(list.map((d) => [d.endpoint, d.sequence, d.status, d.attempts.length]).sort()).toEqual([
      ["down", 1, "pending", 1],
      ["down", 2, "pending", 0],
      ["up", 1, "delivered", 1],
      ["up", 2, "delivered", 1],
    ]);
  });
});

describe("410 and redelivery", () => {
  it("a disabled endpoint comes back when its URL changes in the config", async () => {
    const m = marker();
    const calls = receiver(m, (call) => new Response(null, { status: call.url.endsWith("/old") ? 410 : 204 }));
    const before = [hook({ url: "http://127.0.0.1:9/old" })];
    const after = [hook({ url: "http://127.0.0.1:9/new" })];
    const list = await inObject(async (outbox) => {
      outbox.enqueue(before, [alert("lead.identified", 1, m)], Date.now());
      await deliverDue(outbox, DEV, before, Date.now());
      outbox.enqueue(before, [alert("lead.mql", 2, m)], Date.now());
      await deliverDue(outbox, DEV, before, Date.now());
      outbox.enqueue(after, [alert("lead.sql", 3, m)], Date.now());
      await deliverDue(outbox, DEV, after, Date.now());
      return outbox.list();
    });
    expect(list.map((d) => [d.sequence, d.status])).toEqual([
      [3, "delivered"],
      [2, "disabled"],
      [1, "disabled"],
    ]);
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual(["/old", "/new"]);
  });

  it("a failed delivery can be sent again, with the same webhook-id, from the start of the schedule", async () => {
    const m = marker();
    let up = false;
    const calls = receiver(m, () => new Response(null, { status: up ? 204 : 503 }));
    const list = await inObject(async (outbox) => {
      outbox.enqueue([hook()], [alert("lead.sql", 1, m)], Date.now());
      let now = Date.now();
      for (let i = 0; i < 10; i++) {
        await deliverDue(outbox, DEV, [hook()], now);
        now += 27 * 3_600_000; // past the longest wait: 24 h + 10 % jitter
      }
      const failed = outbox.list({ status: "failed" });
      up = true;
      expect(outbox.redeliver(failed[0]?.id as string, Date.now())).toBe(true);
      expect(outbox.nextDue()).toBeLessThanOrEqual(Date.now());
      await deliverDue(outbox, DEV, [hook()], Date.now());
      return [failed, outbox.list()] as const;
    });
    const [failed, [after]] = list;
    expect(failed).toHaveLength(1);
    expect(failed[0]?.attempts).toHaveLength(10);
    expect(after).toMatchObject({ id: failed[0]?.id, status: "delivered" });
    expect(after?.attempts).toHaveLength(11);
    expect(new Set(calls.map((c) => c.headers.get("webhook-id"))).size).toBe(1);
  });

  it("redelivering an unknown id does nothing", async () => {
    expect(await inObject((outbox) => [outbox.redeliver("msg_nope", Date.now()), outbox.nextDue()])).toEqual([false, null]);
  });
});

describe("the read API shape", () => {
  it("lists newest first, filters by status and can include the exact body", async () => {
    const m = marker();
    const [all, withBody, delivered] = await inObject(async (outbox) => {
      outbox.enqueue([hook()], [alert("lead.identified", 1, m), alert("lead.sql", 2, m)], Date.now());
      return [outbox.list(), outbox.list({ body: true, limit: 1 }), outbox.list({ status: "delivered" })] as const;
    });
    expect(all.map((d) => d.sequence)).toEqual([2, 1]);
    expect(all[0]).not.toHaveProperty("body");
    expect(withBody).toHaveLength(1);
    expect(withBody[0]?.body).toMatchObject({ type: "lead.sql", sequence: 2, data: { sequence: 2 } });
    expect(delivered).toEqual([]);
    expect(all[0]?.next_attempt_at).toEqual(expect.any(String));
  });
});
