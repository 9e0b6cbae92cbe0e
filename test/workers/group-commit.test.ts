/**
 * Group commit: batches that reach one Lead object at the same time are stored in one turn (one
 * write), yet each caller gets its own counts, dedup stays exact across the group, and the score
 * is the one a full replay of the history gives.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Event } from "../../shared/wire";
import { emailObjectName, visitorObjectName } from "../../worker/identity";
import { type IngestResult, Lead } from "../../worker/lead/object";
import { LeadScore, traitsOf } from "../../worker/lead/score";
import { type LeadRow, LeadStore, fromWire, toScored } from "../../worker/lead/store";
import { addEvent, emptyEngagement, rescore } from "../../worker/scoring/engine";
import { compiledScoring, loadConfig, siteScoring } from "../../worker/settings";
import { SITE, identify, pageView, track, uid } from "./helpers";

const stubOf = (name: string) => env.LEAD.get(env.LEAD.idFromName(name)) as DurableObjectStub<Lead>;

const ingest = (stub: DurableObjectStub<Lead>, visitor: string, events: unknown[]): Promise<IngestResult> =>
  stub.ingest({ site: SITE, visitor, events: events as Event[], bot: null, collectorUrl: "http://collector.test" });

/** N batches of `size` events drawn from a pool of ids, so that they overlap with one another. */
function overlappingBatches(n: number, size: number): unknown[][] {
  const pool = Array.from({ length: Math.ceil((n * size) / 2) }, (_, i) => (i % 5 === 0 ? track("pricing_view") : pageView(`/p/${i}`)));
  return Array.from({ length: n }, (_, b) => Array.from({ length: size }, (_, e) => pool[(b * 3 + e * 7) % pool.length]));
}

/**
 * The row as a new instance over the same storage reads it (as after an eviction), the score that
 * instance gives (`successor`), the ids stored, and the score a fresh fold over the whole history
 * gives (`full`).
 */
const storedState = (stub: DurableObjectStub<Lead>) =>
  runInDurableObject(stub, (_, state) => {
    const store = new LeadStore(state.storage.sql);
    const row = store.row();
    if (!row) throw new Error("no lead stored");
    const successor = new LeadScore(store).current(row, siteScoring(loadConfig(env), row.site).scoring, row.last_seen);
    const ids = state.storage.sql.exec<{ id: string }>("SELECT id FROM events").toArray().map((e) => e.id);
    // From the events alone: not the fold the object stored with its row.
    const scoring = siteScoring(loadConfig(env), row.site).scoring;
    const compiled = compiledScoring(scoring);
    const history = store.history().toArray().map(toScored);
    const full = rescore(compiled, history, traitsOf(row), row.last_seen);
    const fullFold = history.reduce((state, event) => addEvent(compiled, state, event), emptyEngagement());
    return { row, ids, full, fullFold, successor };
  });

/**
 * The lead's score as a new instance over the same storage makes it (as after an eviction), and
 * the seqs it asked the store for events after: [0] is a replay of the whole history.
 */
function scoreAsWoken(state: DurableObjectState) {
  const store = new LeadStore(state.storage.sql);
  const row = store.row();
  if (!row) throw new Error("no lead stored");
  const asked: number[] = [];
  const eventsAfter = store.eventsAfter.bind(store);
  store.eventsAfter = (seq: number) => (asked.push(seq), eventsAfter(seq));
  const score = new LeadScore(store).current(row, siteScoring(loadConfig(env), SITE).scoring, row.last_seen);
  return { asked, score: score.score };
}

/**
 * Checks that a new instance over the lead's storage (as after an eviction) gets back to the row
 * the live instance remembers: the written columns read back, the last-seen time restored from
 * the events, and the score folded on from the stored fold.
 */
const expectSuccessorAgrees = (stub: DurableObjectStub<Lead>) =>
  runInDurableObject(stub, (instance: Lead, state) => {
    const remembered = (instance as unknown as { store: LeadStore }).store.row();
    const store = new LeadStore(state.storage.sql);
    const restored = store.row();
    if (!remembered || !restored) throw new Error("no lead stored");
    const score = new LeadScore(store).current(restored, siteScoring(loadConfig(env), SITE).scoring, restored.last_seen);
    const { score_fold: _ignored, ...rest } = restored;
    expect({ ...rest, score: score.score, engagement: score.engagement, fit: score.fit }).toEqual({ ...remembered, score_fold: undefined });
    expect(remembered.score).toBeGreaterThan(0);
    return remembered;
  });

/** The row the live instance of the lead remembers. */
const rememberedRow = (stub: DurableObjectStub<Lead>) =>
  runInDurableObject(stub, (instance: Lead) => (instance as unknown as { store: LeadStore }).store.row());

/** The lead's row as it is written in storage, restored columns included. */
const writtenRow = (stub: DurableObjectStub<Lead>) =>
  runInDurableObject(stub, (_, state) => state.storage.sql.exec<LeadRow>("SELECT * FROM lead").one());

describe("concurrent batches to one lead (group commit)", () => {
  it("store every event once, count each caller's own accepted and duplicates, and score as a full replay", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    const batches = overlappingBatches(16, 6);
    const results = await Promise.all(batches.map((events) => ingest(stub, visitor, events)));

    const distinct = new Set(batches.flat().map((e) => (e as { id: string }).id));
    results.forEach((result, i) => expect(result.accepted + result.duplicates).toBe(batches[i]?.length));
    // Each id is accepted by exactly one caller; every other sighting of it is a duplicate.
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(distinct.size);
    const { ids, full, successor } = await storedState(stub);
    expect(ids.sort()).toEqual([...distinct].sort());
    expect(successor.score).toBe(full.score);
    expect(successor.engagement).toBe(full.engagement);
    expect((await rememberedRow(stub))?.score).toBe(full.score);
  });

  it("stores a batch to a quiet lead at once, while batches right behind it wait a turn to be stored together", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    const request = (events: unknown[]) => ({ site: SITE, visitor, events: events as Event[], bot: null, collectorUrl: "http://collector.test" });
    await runInDurableObject(stub, async (instance: Lead, state) => {
      const stored = () => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
      const first = instance.ingest(request([pageView("/a")]));
      // Nothing else reached this lead lately: stored before `ingest` returned.
      expect(stored()).toBe(1);
      const behind = [instance.ingest(request([pageView("/b")])), instance.ingest(request([pageView("/c"), pageView("/d")]))];
      // The lead is busy now: both wait for their group's turn.
      expect(stored()).toBe(1);
      expect((await Promise.all([first, ...behind])).map((r) => r.accepted)).toEqual([1, 1, 2]);
      // In the order they arrived.
      const paths = state.storage.sql.exec<{ url: string }>("SELECT url FROM events ORDER BY seq").toArray().map((e) => new URL(e.url).pathname);
      expect(paths).toEqual(["/a", "/b", "/c", "/d"]);
    });
  });

  it("a batch within the group sent twice counts once, the second time as duplicates only", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    const same = [pageView("/a"), pageView("/b")];
    const results = await Promise.all([ingest(stub, visitor, same), ingest(stub, visitor, same), ingest(stub, visitor, [pageView("/c")])]);
    expect(results.map((r) => r.accepted + r.duplicates)).toEqual([2, 2, 1]);
    expect(results.slice(0, 2).map((r) => r.accepted).sort()).toEqual([0, 2]);
    expect((await storedState(stub)).ids).toHaveLength(3);
  });

  it("a batch that identifies among concurrent ones hands the whole history over, each event once", async () => {
    const visitor = uid("v");
    const address = `${uid("gc")}@acme.io`;
    const stub = stubOf(visitorObjectName(SITE, visitor));
    const batches = overlappingBatches(8, 4);
    batches[3] = [identify(address), ...(batches[3] ?? [])];
    const results = await Promise.all(batches.map((events) => ingest(stub, visitor, events)));

    const distinct = new Set(batches.flat().map((e) => (e as { id: string }).id));
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(distinct.size);
    // Whatever raced the hand-over, the known lead ends up with every event exactly once.
    const known = stubOf(emailObjectName(SITE, address));
    await ingest(stub, visitor, [pageView("/after")]);
    const { ids, full, successor } = await storedState(known);
    expect(ids.sort()).toEqual([...distinct, ...ids.filter((id) => !distinct.has(id))].sort());
    expect(ids.filter((id) => !distinct.has(id))).toHaveLength(1);
    expect(successor.score).toBe(full.score);
  });

  it("a rolled-back batch leaves nothing in the object's memory: row, score and hourly count match storage", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    await ingest(stub, visitor, [pageView("/a"), track("pricing_view")]);
    await runInDurableObject(stub, (instance: Lead) => {
      const inside = instance as unknown as { store: LeadStore; score: LeadScore; transaction<T>(fn: () => T): T };
      const scoring = siteScoring(loadConfig(env), SITE).scoring;
      expect(() =>
        inside.transaction(() => {
          // Written, read back (so remembered), folded into the score, then rolled back.
          inside.store.insertEvent({ ...fromWire(track("demo_request") as Event, visitor, Date.now(), null) });
          inside.store.touch(Date.now() + 60_000);
          const row = inside.store.row();
          if (row) inside.score.current(row, scoring, Date.now());
          inside.store.countEventsSince(Date.now() - 3_600_000, 1_000);
          throw new Error("rolled back on purpose");
        }),
      ).toThrow("rolled back on purpose");
    });
    // The next batch's seq is the rolled-back one's: a stale memory would skip it or count twice.
    await ingest(stub, visitor, [pageView("/b")]);
    const { ids, full, successor } = await storedState(stub);
    expect(ids).toHaveLength(3);
    expect(successor.score).toBe(full.score);
    expect((await rememberedRow(stub))?.score).toBe(full.score);
    await expectSuccessorAgrees(stub);
    await runInDurableObject(stub, (instance: Lead) => {
      expect((instance as unknown as { store: LeadStore }).store.countEventsSince(Date.now() - 3_600_000, 1_000)).toBe(3);
    });
  });

  it("a successor of the lead's object gets back to the row it remembered: profile and index marks written, last seen and score restored", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    await ingest(stub, visitor, [pageView("/pricing")]);
    await Promise.all([ingest(stub, visitor, [track("pricing_view")]), ingest(stub, visitor, [pageView("/docs")])]);
    expect(await expectSuccessorAgrees(stub)).toMatchObject({ index_due: expect.any(Number) });
  });

  it("a batch that only moves the score and the last-seen time does not write the lead's row", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    await ingest(stub, visitor, [pageView("/pricing")]);
    const before = await writtenRow(stub);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await ingest(stub, visitor, [pageView("/docs")]);
    expect(await writtenRow(stub)).toEqual(before);
    const remembered = await expectSuccessorAgrees(stub);
    expect(remembered.last_seen).toBeGreaterThan(before.last_seen);
    expect(remembered.score).toBeGreaterThan(before.score);
  });

  it("a batch of duplicates only writes its last-seen time: no stored event would bring it back", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    const view = pageView("/pricing");
    await ingest(stub, visitor, [view]);
    await ingest(stub, visitor, [track("pricing_view")]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await ingest(stub, visitor, [view])).toMatchObject({ accepted: 0, duplicates: 1 });
    const remembered = await expectSuccessorAgrees(stub);
    expect((await writtenRow(stub)).last_seen).toBe(remembered.last_seen);
  });

  it("held-back changes are written once 256 events came after the stored fold", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    await ingest(stub, visitor, [pageView("/pricing")]);
    const first = await writtenRow(stub);
    const batch = (n: number) => ingest(stub, visitor, Array.from({ length: 20 }, (_, i) => track(`step_${n}_${i}`)));
    // 240 events after the stored fold: all held back.
    for (let n = 0; n < 12; n++) await batch(n);
    expect(await writtenRow(stub)).toEqual(first);
    // 260: written, with the fold of all of them.
    await batch(12);
    expect(JSON.parse((await writtenRow(stub)).score_fold ?? "null").lastSeq).toBe(JSON.parse(first.score_fold ?? "null").lastSeq + 260);
    await expectSuccessorAgrees(stub);
  });

  it("a last-seen time a successor restored survives that successor's write of a newer fold", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    await ingest(stub, visitor, [pageView("/pricing")]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await ingest(stub, visitor, [pageView("/docs")]);
    const remembered = await rememberedRow(stub);
    await runInDurableObject(stub, (_, state) => {
      // A successor (after an eviction) scores and writes its fold, as a rescore does.
      const successor = new Lead(state, env) as unknown as { store: LeadStore; score: LeadScore };
      const row = successor.store.row();
      if (!row) throw new Error("no lead stored");
      expect(row.last_seen).toBe(remembered?.last_seen);
      const result = successor.score.current(row, siteScoring(loadConfig(env), SITE).scoring, row.last_seen);
      successor.store.setScore(result, successor.score.version, successor.score.snapshot(result.score));
      // The next successor has no events after that fold to restore it from.
      expect(new LeadStore(state.storage.sql).row()?.last_seen).toBe(remembered?.last_seen);
    });
  });

  it("an object woken from eviction scores from the fold stored with its row, reading only newer events", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    await ingest(stub, visitor, [pageView("/pricing"), track("pricing_view"), pageView("/docs")]);
    await ingest(stub, visitor, [pageView("/pricing")]);
    const after = await runInDurableObject(stub, (_, state) => scoreAsWoken(state));
    expect(after.asked).toHaveLength(1);
    expect(after.asked[0]).toBeGreaterThan(0);
    expect(after.score).toBe((await rememberedRow(stub))?.score);
    const { successor, full } = await storedState(stub);
    expect(successor.score).toBe(full.score);
  });

  it("a stored fold is not used once the row's score was written without it (a release rolled back to, say)", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    await ingest(stub, visitor, [pageView("/pricing"), track("pricing_view")]);
    const asked = await runInDurableObject(stub, (instance: Lead, state) => {
      state.storage.sql.exec("UPDATE lead SET score = score + 1");
      // Written behind the object's back: it must read its row again.
      (instance as unknown as { store: LeadStore }).store.forget();
      return scoreAsWoken(state);
    });
    expect(asked.asked).toEqual([0]);
  });

  it("a merge folds the history again: the stored fold is a full replay's, in receive order", async () => {
    const email = `${uid("m")}@acme.io`;
    // A second device browses first; the known lead is scored (and its fold stored) after that;
    // then the second device identifies, and its older events are merged in.
    const early = uid("v");
    const earlyStub = stubOf(visitorObjectName(SITE, early));
    await ingest(earlyStub, early, [pageView("/pricing"), track("pricing_view")]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const known = uid("v");
    await ingest(stubOf(visitorObjectName(SITE, known)), known, [identify(email), pageView("/pricing"), track("pricing_view")]);
    await ingest(earlyStub, early, [identify(email)]);
    const { row, full, fullFold } = await storedState(stubOf(emailObjectName(SITE, email)));
    expect(row.score).toBe(full.score);
    // Folded on from the fold before the merge, the merged events would come after newer ones.
    expect(JSON.parse(row.score_fold ?? "null").state).toEqual(JSON.parse(JSON.stringify(fullFold)));
  });

  it("the hourly count stays exact when a hand-over brings in events received earlier", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    await ingest(stub, visitor, [pageView("/a")]);
    await runInDurableObject(stub, (instance: Lead, state) => {
      const store = (instance as unknown as { store: LeadStore }).store;
      const now = Date.now();
      expect(store.countEventsSince(now - 3_600_000, 1_000)).toBe(1);
      // As an absorbed history arrives: a later seq, an earlier receive time (one inside the hour, one before it).
      store.insertEvent(fromWire(pageView("/old") as Event, visitor, now - 30 * 60_000, null));
      store.insertEvent(fromWire(pageView("/older") as Event, visitor, now - 2 * 3_600_000, null));
      store.insertEvent(fromWire(pageView("/new") as Event, visitor, now, null));
      const counted = state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events WHERE received_at >= ?", now - 3_600_000).one().n;
      expect(store.countEventsSince(now - 3_600_000, 1_000)).toBe(counted);
      expect(store.countEventsSince(now - 3_600_000, 2)).toBe(2);
    });
  });

  it("an id twice in one batch is stored once, as it first came, beside a duplicate of an earlier batch", async () => {
    const visitor = uid("v");
    const stub = stubOf(visitorObjectName(SITE, visitor));
    const earlier = pageView("/earlier");
    await ingest(stub, visitor, [earlier]);
    const first = pageView("/first");
    const result = await ingest(stub, visitor, [first, { ...first, url: "https://www.site.test/second" }, earlier, pageView("/new")]);
    expect(result).toMatchObject({ accepted: 2, duplicates: 2 });
    const urls = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec<{ id: string; url: string }>("SELECT id, url FROM events ORDER BY seq").toArray(),
    );
    expect(urls.map((e) => e.url)).toEqual([earlier.url, first.url, expect.stringContaining("/new")]);
  });
});
