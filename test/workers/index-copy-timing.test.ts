/**
 * When a lead's index copy goes: a score that only moved, of a lead the index lists, half a
 * minute after it moved, with the alarm, and whatever changed meanwhile goes with it; a lead the
 * index does not list yet, within a second.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Lead } from "../../worker/lead/object";
import type { LeadStore } from "../../worker/lead/store";
import { identify, indexRow, leadByEmail, pageView, send, track, uid } from "./helpers";
import { visitorObjectName } from "../../worker/identity";

const stubOf = (visitor: string) => env.LEAD.get(env.LEAD.idFromName(visitorObjectName("pk_demo", visitor))) as DurableObjectStub<Lead>;

/** The lead's index marks, and the alarm its object has set. */
const state = (stub: DurableObjectStub<Lead>) =>
  runInDurableObject(stub, async (_, s) => ({
    ...s.storage.sql.exec<{ index_due: number | null; indexed_at: number; stage: string }>("SELECT index_due, indexed_at, stage FROM lead").one(),
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
  it("of a lead the index lists, go with the alarm half a minute after the change, with what changed meanwhile", { timeout: 15_000 }, async () => {
    const { visitor, stub, id } = await listedLead(60_000);
    const listed = await indexRow(id);
    const before = await state(stub);
    const sent = Date.now();
    await send(visitor, [track("pricing_view"), pageView("/pricing")]);
    const owed = await state(stub);
    expect(owed.index_due).toBeGreaterThanOrEqual(sent + 30_000);
    expect(owed.index_due).toBeLessThanOrEqual(Date.now() + 30_000);
    expect(owed.alarm).toBe(owed.index_due);
    // A later page view of the same visit shares that copy: nothing moves.
    await send(visitor, [pageView("/docs")]);
    expect(await state(stub)).toEqual(owed);
    // Half a minute on (written behind the object's back), the alarm sends one copy with both.
    await runInDurableObject(stub, (instance, s) => {
      s.storage.sql.exec("UPDATE lead SET index_due = ? WHERE singleton = 1", Date.now() - 1);
      (instance as unknown as { store: LeadStore }).store.forget();
    });
    await runDurableObjectAlarm(stub);
    // The copy carries the last page view (its time) and the score both visits made.
    const lastSeen = await runInDurableObject(stub, (instance) => (instance as unknown as { store: LeadStore }).store.row()?.last_seen);
    const row = await indexRow(id, (r) => r.last_seen === lastSeen);
    expect(row.score).toBeGreaterThan(listed.score as number);
    const after = await state(stub);
    expect(after.indexed_at).toBeGreaterThan(before.indexed_at);
    // Nothing more is owed: the next copy is the decay's refresh, days away.
    expect(after.index_due === null || after.index_due > Date.now() + 86_400_000).toBe(true);
  });

  it("of a lead the index lists, wait the half minute even right after its last copy", async () => {
    const { visitor, stub } = await listedLead(5_000);
    const sent = Date.now();
    await send(visitor, [track("pricing_view")]);
    const owed = await state(stub);
    expect(owed.index_due).toBeGreaterThanOrEqual(sent + 30_000);
    expect(owed.alarm).toBe(owed.index_due);
  });

  it("of a listed known lead that absorbs a device, go at once: the device's own row left the listing", async () => {
    const email = `${uid("m")}@acme.io`;
    await send(uid("v"), [identify(email)]);
    const known = await leadByEmail(email);
    const stub = env.LEAD.get(env.LEAD.idFromString(known.id)) as DurableObjectStub<Lead>;
    await runDurableObjectAlarm(stub);
    await indexRow(known.id);
    // A second device with a page view of its own, then the same person identifies on it.
    const device = uid("v");
    await send(device, [pageView("/")]);
    const before = await state(stub);
    await send(device, [identify(email)]);
    const owed = await state(stub);
    expect(owed.stage).toBe(before.stage);
    // Owed now, or (its alarm was quick) already sent.
    const sentOrDue = owed.indexed_at > before.indexed_at || (owed.index_due !== null && owed.index_due <= Date.now());
    expect(sentOrDue, JSON.stringify({ before, owed })).toBe(true);
  });

  it("of a lead the index does not list yet, go within a second", async () => {
    const visitor = uid("v");
    const sent = Date.now();
    await send(visitor, [pageView("/pricing")]);
    const owed = await state(stubOf(visitor));
    expect(owed.indexed_at).toBe(0);
    expect(owed.index_due).toBeGreaterThanOrEqual(sent + 1_000);
    expect(owed.index_due).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(owed.alarm).toBe(owed.index_due);
  });
});
