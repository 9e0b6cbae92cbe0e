/**
 * The platform's floor for durable ingest: what any collector must do before it may answer 2xx.
 * POST /v1/events parses the JSON batch, routes it to one SQLite Durable Object per visitor
 * (idFromName(site:visitor), as the collector routes an anonymous visitor) and inserts one row
 * per event keyed by the event id, so a resent event is refused as a duplicate, then answers 202.
 * No validation, no scoring, no index: the ratio charges the collector with everything it does
 * beyond storing.
 *
 * The 202 body reports the object's SQLite rows read and written (its cursors' own counts), the
 * counts the benchmark's cost table needs and cannot see from outside.
 */
import { DurableObject } from "cloudflare:workers";

export class Events extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    // WITHOUT ROWID: the event id is the table's only key, one b-tree written per event.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, event TEXT NOT NULL) WITHOUT ROWID");
  }

  /** Synchronous: every insert of the batch lands in one implicit transaction. */
  store(events) {
    let accepted = 0;
    let rowsRead = 0;
    let rowsWritten = 0;
    for (const event of events) {
      const cursor = this.ctx.storage.sql.exec("INSERT OR IGNORE INTO events (id, event) VALUES (?, ?)", String(event.id), JSON.stringify(event));
      cursor.toArray();
      accepted += cursor.rowsWritten > 0 ? 1 : 0;
      rowsRead += cursor.rowsRead;
      rowsWritten += cursor.rowsWritten;
    }
    return { accepted, duplicates: events.length - accepted, usage: { sql_rows_read: rowsRead, sql_rows_written: rowsWritten } };
  }
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method !== "POST" || pathname !== "/v1/events") return new Response("not found", { status: 404 });
    let batch;
    try {
      batch = JSON.parse(await request.text());
    } catch {
      return Response.json({ error: { code: "invalid_payload" } }, { status: 400 });
    }
    if (typeof batch?.site !== "string" || typeof batch.visitor !== "string" || !Array.isArray(batch.events)) {
      return Response.json({ error: { code: "invalid_payload" } }, { status: 400 });
    }
    const stub = env.EVENTS.get(env.EVENTS.idFromName(`${batch.site}:${batch.visitor}`));
    return Response.json(await stub.store(batch.events), { status: 202 });
  },
};
