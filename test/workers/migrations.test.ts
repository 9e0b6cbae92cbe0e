/**
 * A Lead object that an older release created runs the newer migrations once, in order, and
 * keeps everything it held.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "../../worker/lead/migrations";
import { SITE, admin, identify, send, track, uid } from "./helpers";
import { emailLead } from "../../worker/identity";

describe("Lead object migrations", () => {
  it("an object left at migration 1 upgrades to the latest and keeps its lead, events and stage log", async () => {
    const email = `${uid("old")}@acme.io`;
    await send(uid("v"), [identify(email, { title: "VP Sales", company_size: 200 }), track("demo_request")]);
    const stub = emailLead(env, SITE, email);
    const upgraded = await runInDurableObject(stub, (_, state) => {
      const sql = state.storage.sql;
      // Back to what release 1 left: its tables and data, and no record of the later migrations.
      state.storage.transactionSync(() => {
        sql.exec("DROP TABLE feedback");
        for (const column of ["sql_at", "sla_due", "indexed_feedback", "source", "account_report", "verified", "score_fold"]) sql.exec(`ALTER TABLE lead DROP COLUMN ${column}`);
        // Release 1's events table: AUTOINCREMENT and a time index, which migration 7 rebuilds away.
        sql.exec("ALTER TABLE events RENAME TO events_now");
        sql.exec(
          `CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, name TEXT, url TEXT,
             ref TEXT, title TEXT, props TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL, visitor TEXT, bot TEXT)`,
        );
        sql.exec("CREATE INDEX events_by_time ON events (received_at, seq)");
        sql.exec("INSERT INTO events SELECT seq, id, type, name, url, ref, title, props, ts, received_at, visitor, bot FROM events_now");
        sql.exec("DROP TABLE events_now");
        sql.exec("ALTER TABLE visitors DROP COLUMN trust");
        sql.exec("DELETE FROM schema_migrations WHERE version > 1");
      });
      const before = sql.exec<{ v: number }>("SELECT max(version) AS v FROM schema_migrations").one().v;
      migrate(state.storage);
      migrate(state.storage); // a second run (the next start) changes nothing
      return {
        before,
        versions: sql.exec<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version").toArray().map((r) => r.version),
        feedbackTable: sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'feedback'").toArray().length,
        // Migration 3 gives a lead already SQL the time it became SQL, and owes it no SLA alert.
        clock: sql.exec<{ sql_at: number | null; sla_due: number | null }>("SELECT sql_at, sla_due FROM lead").one(),
        sqlAt: sql.exec<{ at: number }>("SELECT at FROM transitions WHERE to_stage = 'sql'").one().at,
        events: sql.exec<{ seq: number; id: string }>("SELECT seq, id FROM events ORDER BY seq").toArray(),
        eventsSchema: sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'events'").one().sql,
        timeIndex: sql.exec("SELECT name FROM sqlite_master WHERE name = 'events_by_time'").toArray().length,
      };
    });
    expect(upgraded).toMatchObject({ before: 1, versions: MIGRATIONS.map((_, i) => i + 1), feedbackTable: 1 });
    expect(upgraded.clock).toEqual({ sql_at: upgraded.sqlAt, sla_due: null });
    // Migration 7: the same events under the same seqs, in a table with neither AUTOINCREMENT nor the time index.
    expect(upgraded.events).toHaveLength(2);
    expect(upgraded.eventsSchema).not.toMatch(/AUTOINCREMENT/i);
    expect(upgraded.timeIndex).toBe(0);

    const { body } = await admin(`/v1/leads/${stub.id.toString()}`);
    expect(body.lead).toMatchObject({ email, stage: "sql", events_total: 2 });
    expect(body.transitions.map((t: { to: string }) => t.to)).toEqual(["known", "sql"]);
    // The new table works: feedback with a deal size is stored.
    const won = await admin(`/v1/leads/${stub.id.toString()}/feedback`, { method: "POST", body: JSON.stringify({ outcome: "won", amount: 900 }) });
    expect(won.status).toBe(200);
    // The rebuilt table takes new events after the old ones, and still refuses an id it holds.
    const again = track("pricing_compare");
    await send(uid("v"), [identify(email), again]);
    await send(uid("v"), [identify(email), again]);
    const after = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec<{ seq: number; id: string }>("SELECT seq, id FROM events ORDER BY seq").toArray(),
    );
    expect(after.slice(0, 2)).toEqual(upgraded.events);
    expect(after.filter((e) => e.id === again.id)).toHaveLength(1);
    expect(Math.min(...after.slice(2).map((e) => e.seq))).toBeGreaterThan(Math.max(...upgraded.events.map((e) => e.seq)));
  });
});
