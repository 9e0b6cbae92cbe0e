/**
 * A batch goes into the events table in one statement, with the columns that hold one value in
 * every row bound once (store.ts `insertEvents`). Whatever mix of shared and varying columns a
 * batch has, it must store exactly what inserting its events one at a time stores: same values,
 * same SQLite types, same order, same duplicates refused.
 */
import { env, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../../shared/wire";
import { LeadStore, type StoredEvent } from "../../worker/lead/store";
import { uid } from "./helpers";

/** Each column from a small pool, so that a batch often shares a column and often does not. */
const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const text = pick<string | null>(null, "", "a", "Acme Cloud", '"quoted" \\ back', "😀 ü", "0", "null", "https://example.com/pricing?x=1");
const storedEvent = fc.record({
  id: pick("e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"),
  type: pick(...EVENT_TYPES),
  name: text,
  url: text,
  ref: text,
  title: text,
  props: pick(null, "{}", '{"plan":"pro","seats":12}', '{"nested":{"a":[1,2,"x"]}}'),
  ts: pick(0, 1_763_900_000_000, 1_763_900_000_001, Number.MAX_SAFE_INTEGER),
  received_at: pick(1_763_900_000_000, 1_763_900_060_000),
  visitor: pick(null, "v1", "visitor-two"),
  bot: pick(null, "timing", "flood", "user_agent"),
  claimed: pick(null, 1),
}) satisfies fc.Arbitrary<StoredEvent>;

/** The stored rows of one prefix's events, in seq order, each value with its SQLite type. */
const COLUMNS = "id, type, name, url, ref, title, props, ts, received_at, visitor, bot, claimed";
const readBack = (sql: SqlStorage, prefix: string) =>
  sql
    .exec<Record<string, SqlStorageValue>>(
      `SELECT ${COLUMNS}, ${COLUMNS.split(", ").map((c) => `typeof(${c}) AS t_${c}`).join(", ")} FROM events WHERE id LIKE ? ORDER BY seq`,
      `${prefix}:%`,
    )
    .toArray()
    .map((row) => ({ ...row, id: String(row.id).slice(prefix.length + 1) }));

describe("a batch of events in one statement", () => {
  it("stores what inserting its events one at a time stores, whatever columns its rows share", async () => {
    const stub = env.LEAD.get(env.LEAD.idFromName(uid("batch-columns")));
    const runs = fc.sample(fc.array(storedEvent, { minLength: 2, maxLength: 12 }), { numRuns: 150, seed: 20261130 });
    // Besides the generated ones: rows that share everything but the id, and the same rows with
    // their receive time and trust mark varying too.
    const alike = Array.from({ length: 5 }, (_, i) => ({ ...fc.sample(storedEvent, { numRuns: 1, seed: 1 })[0]!, id: `e${i}` }));
    runs.push(alike, alike.map((event, i) => ({ ...event, received_at: event.received_at + i, claimed: i % 2 ? 1 : null })));
    await runInDurableObject(stub, (_, state) => {
      const store = new LeadStore(state.storage.sql);
      runs.forEach((events, run) => {
        const [batch, single] = [`b${run}`, `s${run}`];
        const renamed = (prefix: string) => events.map((event) => ({ ...event, id: `${prefix}:${event.id}` }));
        const stored = store.insertEvents(renamed(batch)).map((event) => event.id.slice(batch.length + 1));
        const storedAlone = renamed(single)
          .filter((event) => store.insertEvent(event))
          .map((event) => event.id.slice(single.length + 1));
        expect(stored, `run ${run}`).toEqual(storedAlone);
        expect(readBack(state.storage.sql, batch), `run ${run}`).toEqual(readBack(state.storage.sql, single));
      });
    });
  });
});
