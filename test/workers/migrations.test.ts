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
        for (const column of ["sql_at", "sla_due", "indexed_feedback", "source", "account_report", "verified"]) sql.exec(`ALTER TABLE lead DROP COLUMN ${column}`);
        sql.exec("ALTER TABLE events DROP COLUMN claimed");
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
      };
    });
    expect(upgraded).toMatchObject({ before: 1, versions: MIGRATIONS.map((_, i) => i + 1), feedbackTable: 1 });
    expect(upgraded.clock).toEqual({ sql_at: upgraded.sqlAt, sla_due: null });

    const { body } = await admin(`/v1/leads/${stub.id.toString()}`);
    expect(body.lead).toMatchObject({ email, stage: "sql", events_total: 2 });
    expect(body.transitions.map((t: { to: string }) => t.to)).toEqual(["known", "sql"]);
    // The new table works: feedback with a deal size is stored.
    const won = await admin(`/v1/leads/${stub.id.toString()}/feedback`, { method: "POST", body: JSON.stringify({ outcome: "won", amount: 900 }) });
    expect(won.status).toBe(200);
  });
});
