/**
 * The index queue's consumer feeds accounts in the index's batches: one call per account per
 * batch and a fixed number of D1 statements whatever the batch holds; an account that fails
 * costs only its own messages a retry. Its dead-letter queue's consumer has the lead of a lost
 * copy send it again.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import { accountStub } from "../../worker/account/stub";
import { DEAD_LETTER_QUEUE, writeIndexBatch } from "../../worker/index-queue";
import type { IndexMessage } from "../../worker/lead/index-sync";
import { SITE, eventually, identify, indexRow, leadByEmail, send, track, uid } from "./helpers";

afterEach(() => vi.restoreAllMocks());

const T = Date.UTC(2025, 5, 1);

/** A known lead's copy with its account's report, as its object sends it. */
function copyOf(site: string, domain: string, score: number, at: number): IndexMessage {
  const id = uid("q");
  const email = `${id}@${domain}`;
  return {
    at,
    copy: {
      id,
      site,
      lead: { id, site, email, stage: "known", score, engagement: 0, fit: score, first_seen: T, last_seen: T + score, bot: false, sql_at: null },
      changes: [{ sequence: 1, from: "anonymous", to: "known", at: T }],
      deliveries: [],
      feedback: [],
    },
    account: { domain, report: { id, email, stage: "known", score, last_seen: T + score }, at },
  };
}

/**
 * The Worker's environment with its lead index and accounts watched: every statement prepared
 * (each runs once), every D1 round trip, and every call of an Account object by account name.
 */
function watched(failing: string | null = null) {
  const counts = { statements: 0, roundTrips: 0 };
  const calls: string[] = [];
  const db = env.LEAD_INDEX;
  const LEAD_INDEX = {
    prepare: (sql: string) => (counts.statements++, db.prepare(sql)),
    batch: (statements: D1PreparedStatement[]) => (counts.roundTrips++, db.batch(statements)),
  } as unknown as D1Database;
  const ACCOUNT = {
    idFromName: (name: string) => env.ACCOUNT.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = env.ACCOUNT.get(id);
      return {
        reportMany: async (...args: Parameters<typeof stub.reportMany>) => {
          calls.push(args[1]);
          if (args[1] === failing) throw new Error("account unreachable");
          return stub.reportMany(...args);
        },
      };
    },
  } as unknown as typeof env.ACCOUNT;
  return { env: { ...env, LEAD_INDEX, ACCOUNT }, counts, calls };
}

async function consume(testEnv: typeof env, queue: string, bodies: readonly IndexMessage[]) {
  const batch = createMessageBatch<IndexMessage>(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(T), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await (queue === DEAD_LETTER_QUEUE ? worker.queue(batch, testEnv) : writeIndexBatch(testEnv, batch));
  return getQueueResult(batch, ctx);
}

/** Copies of `perAccount` leads of each of `accounts` fresh domains, interleaved as a busy queue brings them. */
function batchOf(accounts: number, perAccount: number) {
  const site = uid("pk_batch");
  const domains = Array.from({ length: accounts }, () => `${uid("acct").toLowerCase()}.io`);
  const copies = Array.from({ length: perAccount }, (_, i) => domains.map((domain, j) => copyOf(site, domain, 10 + i + j, T + i))).flat();
  return { site, domains, copies };
}

describe("the index queue's consumer", () => {
  it("calls each account once per batch and writes D1 in as many statements for 50 copies as for 5", async () => {
    const small = batchOf(5, 1);
    const few = watched();
    expect((await consume(few.env, "leadlight-index", small.copies)).explicitAcks).toHaveLength(5);

    const big = batchOf(5, 10);
    const many = watched();
    const result = await consume(many.env, "leadlight-index", big.copies);
    expect(result.explicitAcks).toHaveLength(50);
    expect(result.retryMessages).toEqual([]);
    expect(many.calls.sort()).toEqual([...big.domains].sort());
    expect(many.counts).toEqual(few.counts);
    // Lead rows (what moved, then whole rows) and stage changes in one round trip, every
    // account's summary in one statement.
    expect(many.counts.statements).toBeLessThanOrEqual(4);

    const { results } = await env.LEAD_INDEX.prepare("SELECT domain, leads, score FROM accounts WHERE site = ? ORDER BY domain")
      .bind(big.site)
      .all<{ domain: string; leads: number; score: number }>();
    expect(results).toEqual(
      [...big.domains].sort().map((domain) => {
        const index = big.domains.indexOf(domain);
        return { domain, leads: 10, score: Array.from({ length: 10 }, (_, i) => 10 + i + index).reduce((a, b) => a + b, 0) };
      }),
    );
  });

  it("feeds 1,000 leads of 50 accounts in batches of 100 for at most 0.05 D1 statements per lead change", { timeout: 60_000 }, async () => {
    const { copies } = batchOf(50, 20);
    const watch = watched();
    for (let start = 0; start < copies.length; start += 100) {
      const result = await consume(watch.env, "leadlight-index", copies.slice(start, start + 100));
      expect(result.retryMessages).toEqual([]);
    }
    // Each copy carries at least one change (its stage change here, a score or an event at least).
    expect(watch.counts.statements / copies.length).toBeLessThanOrEqual(0.05);
    expect(new Set(watch.calls).size).toBe(50);
  });

  it("retries only the messages of an account that could not be reached, and logs it without emails", async () => {
    const { domains, copies } = batchOf(3, 2);
    const failing = domains[1] ?? "";
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const watch = watched(failing);
    const result = await consume(watch.env, "leadlight-index", copies);
    const failed = copies.flatMap((c, i) => (c.account?.domain === failing ? [`m${i}`] : []));
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(failed.sort());
    expect(result.explicitAcks).toHaveLength(copies.length - failed.length);
    const line = errors.mock.calls.map((args) => String(args[0])).find((l) => l.includes("account.report_failed"));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ level: "error", event: "account.report_failed", account: failing, reports: 2 });
    expect(line).not.toContain("@");
  });
});

describe("the dead-letter queue's consumer", () => {
  it("logs a lost copy and has its lead send a fresh one, with the stage changes and the account report the lost one carried", { timeout: 30_000 }, async () => {
    const domain = `${uid("lost").toLowerCase()}.io`;
    const email = `ada@${domain}`;
    await send(uid("v"), [identify(email, { title: "VP Sales", company_size: 200 }), track("demo_request")]);
    const lead = (await leadByEmail(email)) as { id: string };
    await indexRow(lead.id, (row) => row.stage === "sql");
    const stub = env.LEAD.get(env.LEAD.idFromString(lead.id));
    // The lead sent that copy; say the queue gave up on it: the index never got its changes.
    const lost = await runInDurableObject(stub, (_, state) => {
      const changes = state.storage.sql
        .exec<{ sequence: number; from_stage: string; to_stage: string; at: number }>("SELECT sequence, from_stage, to_stage, at FROM transitions ORDER BY sequence")
        .toArray();
      return changes.map((c) => ({ sequence: c.sequence, from: c.from_stage, to: c.to_stage, at: c.at }));
    });
    const account = accountStub(env, SITE, domain);
    await vi.waitFor(async () => expect((await account.describe())?.leads.map((l) => l.id)).toEqual([lead.id]), { timeout: 10_000 });
    await env.LEAD_INDEX.batch([
      env.LEAD_INDEX.prepare("DELETE FROM stage_changes WHERE lead_id = ?").bind(lead.id),
      env.LEAD_INDEX.prepare("DELETE FROM leads WHERE id = ?").bind(lead.id),
    ]);
    await runInDurableObject(account, (_, state) => state.storage.sql.exec("DELETE FROM members"));
    const at = Date.now() - 60_000;
    const message = {
      at,
      copy: { id: lead.id, site: SITE, lead: null, changes: lost, deliveries: [], feedback: [] },
      account: { domain, report: { id: lead.id, email, stage: "sql", score: 0, last_seen: at }, at },
    } as unknown as IndexMessage;

    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await consume(env, DEAD_LETTER_QUEUE, [message]);
    expect(result.explicitAcks).toEqual(["m0"]);
    const line = errors.mock.calls.map((args) => String(args[0])).find((l) => l.includes("index.copy_lost"));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ level: "error", event: "index.copy_lost", lead: lead.id, changes: lost.length });

    // The lead's own alarm sends the fresh copy; the index queue brings it back.
    await indexRow(lead.id, (row) => row.stage === "sql");
    const changes = await eventually(async () => {
      const { results } = await env.LEAD_INDEX.prepare("SELECT to_stage FROM stage_changes WHERE lead_id = ? ORDER BY sequence").bind(lead.id).all<{ to_stage: string }>();
      return results.length === lost.length ? results.map((r) => r.to_stage) : null;
    }, "the lost stage changes");
    expect(changes).toEqual(lost.map((c) => c.to));
    await vi.waitFor(async () => expect((await account.describe())?.leads).toEqual([expect.objectContaining({ id: lead.id, stage: "sql" })]), {
      timeout: 10_000,
    });
  });
});
