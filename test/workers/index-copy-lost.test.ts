/**
 * A copy the index queue gave up on (its dead-letter queue) is sent again by its lead: even when
 * the loss is reported while the lead's next copy is on its way, never in a loop for a copy the
 * index keeps refusing, and never by a lead being erased.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import { DEAD_LETTER_QUEUE } from "../../worker/index-queue";
import type { LeadContext } from "../../worker/lead/context";
import { type IndexMessage, pushIndex, touchIndex } from "../../worker/lead/index-sync";
import type { Lead } from "../../worker/lead/object";
import { identify, indexRow, leadByEmail, send, track, uid } from "./helpers";

afterEach(() => vi.restoreAllMocks());

type Marks = { indexed_seq: number; indexed_feedback: number; indexed_at: number; account_report: string | null; index_due: number | null };

/** A known lead, SQL, whose copies all reached the index; and the copy of all its stage changes, said lost. */
async function quietLead() {
  const domain = `${uid("lost").toLowerCase()}.io`;
  const email = `ada@${domain}`;
  await send(uid("v"), [identify(email, { title: "VP Sales", company_size: 200 }), track("demo_request")]);
  const { id } = (await leadByEmail(email)) as { id: string };
  await indexRow(id, (row) => row.stage === "sql");
  const stub = env.LEAD.get(env.LEAD.idFromString(id));
  const changes = await runInDurableObject(stub, (_, state) =>
    state.storage.sql
      .exec<{ sequence: number; from_stage: string; to_stage: string; at: number }>("SELECT sequence, from_stage, to_stage, at FROM transitions ORDER BY sequence")
      .toArray()
      .map((c) => ({ sequence: c.sequence, from: c.from_stage, to: c.to_stage, at: c.at })),
  );
  const at = Date.now() - 60_000;
  const lost = {
    at,
    copy: { id, site: "pk_demo", lead: null, changes, deliveries: [], feedback: [] },
    account: { domain, report: { id, email, stage: "sql", score: 0, last_seen: at }, at },
  } as unknown as IndexMessage;
  return { id, domain, stub, lost };
}

/**
 * Points the lead's index queue at a recorder. The first send waits until `release()` when
 * `gated`; every later one is taken at once. `restore()` gives the lead its queue back.
 */
async function recordQueue(stub: DurableObjectStub<Lead>, gated: boolean) {
  const sent: IndexMessage[] = [];
  let release = () => {};
  const gate = gated ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const queue = {
    send: async (message: IndexMessage) => {
      sent.push(message);
      if (sent.length === 1) await gate;
    },
  };
  const original = await runInDurableObject(stub, (instance) => {
    const lead = contextOf(instance) as { env: LeadContext["env"] };
    const env = lead.env;
    lead.env = { ...env, INDEX_QUEUE: queue as unknown as Queue };
    return env;
  });
  const restore = () => runInDurableObject(stub, (instance) => void ((contextOf(instance) as { env: LeadContext["env"] }).env = original));
  return { sent, release, restore };
}

const contextOf = (instance: Lead): LeadContext => (instance as unknown as { lead: LeadContext }).lead;

const marksOf = (stub: DurableObjectStub<Lead>) =>
  runInDurableObject(stub, (_, state) =>
    state.storage.sql.exec<Marks>("SELECT indexed_seq, indexed_feedback, indexed_at, account_report, index_due FROM lead").one(),
  );

const sequences = (message: IndexMessage | undefined) => message?.copy.changes.map((c) => c.sequence);

const errorLines = () => {
  const errors = vi.spyOn(console, "error").mockImplementation(() => {});
  return (event: string) => errors.mock.calls.map((args) => JSON.parse(String(args[0])) as { event: string }).filter((l) => l.event === event);
};

describe("a lost index copy", () => {
  it("reported while the lead's next copy is on its way is still sent again, with its stage changes and account report", { timeout: 30_000 }, async () => {
    const { stub, lost, domain } = await quietLead();
    const queue = await recordQueue(stub, true);
    try {
      // The alarm builds a copy from the marks as they are and waits on the queue...
      await runInDurableObject(stub, (instance) => touchIndex(contextOf(instance), Date.now(), true));
      await vi.waitFor(() => expect(queue.sent).toHaveLength(1), { timeout: 10_000 });
      expect(queue.sent[0]?.copy.changes).toEqual([]);
      // ...while the dead-letter queue has the lead rewind them.
      await stub.copyLost(lost);
      queue.release();

      await vi.waitFor(() => expect(queue.sent.length).toBeGreaterThan(1), { timeout: 10_000 });
      expect(sequences(queue.sent[1])).toEqual(sequences(lost));
      expect(queue.sent[1]?.account).toMatchObject({ domain, report: { stage: "sql" } });
    } finally {
      await queue.restore();
    }
  });

  it("lost again and again is sent later each time, then given up for the day, logged once", { timeout: 30_000 }, async () => {
    const { stub, lost } = await quietLead();
    const queue = await recordQueue(stub, false);
    try {
      await stub.copyLost(lost);
      await vi.waitFor(() => expect(sequences(queue.sent[0])).toEqual(sequences(lost)), { timeout: 10_000 });

      const before = Date.now();
      await stub.copyLost(lost);
      expect((await marksOf(stub)).index_due).toBeGreaterThanOrEqual(before + 60_000);
      for (let i = 0; i < 3; i++) await stub.copyLost(lost);
      // The copy revived last is sent (here at once, as the alarm would later): the marks move on.
      await runInDurableObject(stub, (instance) => pushIndex(contextOf(instance)));
      expect(sequences(queue.sent[1])).toEqual(sequences(lost));
      const sent = await marksOf(stub);
      expect(sent.account_report).not.toBe("");

      const lines = errorLines();
      await stub.copyLost(lost);
      await stub.copyLost(lost);
      expect(await marksOf(stub)).toEqual(sent);
      expect(lines("index.copy_abandoned")).toEqual([expect.objectContaining({ level: "error", lead: lost.copy.id, revivals: 5 })]);
    } finally {
      await queue.restore();
    }
  });

  it("reported to a lead being erased changes nothing, and leaves the erasure's retry alarm where it is", { timeout: 30_000 }, async () => {
    const { stub, lost } = await quietLead();
    const alarm = Date.now() + 60_000;
    await runInDurableObject(stub, async (instance, state) => {
      (instance as unknown as { erasing: boolean }).erasing = true;
      await state.storage.setAlarm(alarm);
    });
    try {
      const before = await marksOf(stub);
      await stub.copyLost(lost);
      expect(await marksOf(stub)).toEqual(before);
      expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBe(alarm);
    } finally {
      await runInDurableObject(stub, async (instance, state) => {
        (instance as unknown as { erasing: boolean }).erasing = false;
        await state.storage.deleteAlarm();
      });
    }
  });
});

describe("the dead-letter queue's consumer", () => {
  it("logs a lost copy once: a retry of its message does not log the loss again", { timeout: 30_000 }, async () => {
    const { lost } = await quietLead();
    const lines = errorLines();
    for (const attempts of [1, 2]) {
      const batch = createMessageBatch<IndexMessage>(DEAD_LETTER_QUEUE, [{ id: `m${attempts}`, timestamp: new Date(), attempts, body: lost }]);
      await worker.queue(batch, env);
      expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual([`m${attempts}`]);
    }
    expect(lines("index.copy_lost")).toHaveLength(1);
  });
});
