/**
 * When a lead's index copy goes, and who sends it: a lead the index already lists sends the copy
 * of its first score change after a quiet spell from its own memory, about a second later, its
 * alarm only backing it up an hour later; within the half minute after a copy, the next one
 * waits for the alarm.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Lead } from "../../worker/lead/object";
import type { LeadStore } from "../../worker/lead/store";
import { indexRow, pageView, send, track, uid } from "./helpers";
import { visitorObjectName } from "../../worker/identity";

const stubOf = (visitor: string) => env.LEAD.get(env.LEAD.idFromName(visitorObjectName("pk_demo", visitor))) as DurableObjectStub<Lead>;

/** The lead's index marks, and the alarm its object has set. */
const state = (stub: DurableObjectStub<Lead>) =>
  runInDurableObject(stub, async (_, s) => ({
    ...s.storage.sql.exec<{ index_due: number | null; indexed_at: number }>("SELECT index_due, indexed_at FROM lead").one(),
    alarm: await s.storage.getAlarm(),
  }));

/** A visitor the index lists, its last copy made `agoMs` before now (written behind the object's back). */
async function listedLead(agoMs: number) {
  const visitor = uid("v");
  await send(visitor, [pageView("/pricing")]);
  const stub = stubOf(visitor);
  const id = stub.id.toString();
  await runDurableObjectAlarm(stub);
  await indexRow(id);
  await runInDurableObject(stub, (instance, s) => {
    s.storage.sql.exec("UPDATE lead SET indexed_at = ? WHERE singleton = 1", Date.now() - agoMs);
    (instance as unknown as { store: LeadStore }).store.forget();
  });
  return { visitor, stub, id };
}

describe("index copies of a score that only moved", () => {
  it("after a quiet spell, the object sends the copy itself a second later, with no alarm set for it", async () => {
    const { visitor, stub, id } = await listedLead(60_000);
    const before = await state(stub);
    await send(visitor, [track("pricing_view"), pageView("/pricing")]);
    const owed = await state(stub);
    expect(owed.index_due).toBeGreaterThan(Date.now() - 1_000);
    // No alarm runs for this copy: the lead's alarm only backs it up, an hour after it is due
    // (sooner than the decay refresh it had, days away).
    expect(before.alarm).toBeGreaterThan(Date.now() + 86_400_000);
    expect(owed.alarm).toBe((owed.index_due ?? 0) + 3_600_000);
    const stored = await runInDurableObject(stub, (_, s) => s.storage.sql.exec<{ score: number }>("SELECT score FROM lead").one().score);
    const row = await indexRow(id, (r) => r.score === stored);
    expect(row.score).toBe(stored);
    const after = await state(stub);
    expect(after.index_due).not.toBe(owed.index_due);
    expect(after.indexed_at).toBeGreaterThan(before.indexed_at);
  });

  it("within half a minute of the last copy, the next one is the alarm's, set for when the half minute is over", async () => {
    const { visitor, stub } = await listedLead(5_000);
    const before = await state(stub);
    await send(visitor, [track("pricing_view")]);
    const owed = await state(stub);
    expect(owed.index_due).toBe(before.indexed_at + 30_000);
    expect(owed.alarm).toBe(owed.index_due);
  });
});
