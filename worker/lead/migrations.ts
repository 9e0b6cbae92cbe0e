/**
 * The Lead object's SQLite schema, as an append-only list of migrations. A deployed object runs
 * the ones it has not run yet, once, each in one transaction, before it serves anything.
 *
 * Never edit a migration that has shipped: objects that already ran it never run it again, so an
 * edit would split the fleet into two schemas. Add a new entry instead. The SQL is written out
 * here in full (not imported from the modules that use the tables) for the same reason.
 */

export const MIGRATIONS: readonly (readonly string[])[] = [
  // 1: the lead, its events, the anonymous ids it absorbed, its stage log and its webhook outbox.
  [
    `CREATE TABLE lead (
       singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
       id            TEXT NOT NULL,
       kind          TEXT NOT NULL CHECK (kind IN ('visitor', 'email')),
       site          TEXT NOT NULL,
       visitor       TEXT,
       email         TEXT,
       traits        TEXT NOT NULL DEFAULT '{}',
       stage         TEXT NOT NULL DEFAULT 'anonymous',
       score         REAL NOT NULL DEFAULT 0,
       engagement    REAL NOT NULL DEFAULT 0,
       fit           REAL NOT NULL DEFAULT 0,
       rules_version TEXT,
       sequence      INTEGER NOT NULL DEFAULT 0,
       first_seen    INTEGER NOT NULL,
       last_seen     INTEGER NOT NULL,
       forward_to    TEXT,
       collector_url TEXT,
       recycled_at   INTEGER,
       index_due     INTEGER,
       indexed_at    INTEGER NOT NULL DEFAULT 0,
       indexed_seq   INTEGER NOT NULL DEFAULT 0
     )`,
    `CREATE TABLE events (
       seq         INTEGER PRIMARY KEY AUTOINCREMENT,
       id          TEXT NOT NULL UNIQUE,
       type        TEXT NOT NULL,
       name        TEXT,
       url         TEXT,
       ref         TEXT,
       title       TEXT,
       props       TEXT,
       ts          INTEGER NOT NULL,
       received_at INTEGER NOT NULL,
       visitor     TEXT,
       bot         TEXT
     )`,
    `CREATE INDEX events_by_time ON events (received_at, seq)`,
    `CREATE TABLE visitors (visitor TEXT PRIMARY KEY, merged_at INTEGER NOT NULL)`,
    `CREATE TABLE transitions (
       sequence   INTEGER PRIMARY KEY,
       from_stage TEXT NOT NULL,
       to_stage   TEXT NOT NULL,
       at         INTEGER NOT NULL,
       score      REAL NOT NULL,
       engagement REAL NOT NULL,
       fit        REAL NOT NULL,
       reasons    TEXT NOT NULL,
       cause      TEXT NOT NULL
     )`,
    // The webhook outbox (see webhooks/store.ts for what each column means).
    `CREATE TABLE IF NOT EXISTS webhook_outbox (
       id         TEXT PRIMARY KEY,
       endpoint   TEXT NOT NULL,
       type       TEXT NOT NULL,
       sequence   INTEGER NOT NULL,
       format     TEXT NOT NULL,
       body       TEXT NOT NULL,
       status     TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'disabled')),
       tries      INTEGER NOT NULL DEFAULT 0,
       next_at    INTEGER,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL,
       UNIQUE (endpoint, sequence)
     )`,
    `CREATE INDEX IF NOT EXISTS webhook_outbox_by_status ON webhook_outbox (status, endpoint, sequence)`,
    `CREATE TABLE IF NOT EXISTS webhook_attempts (
       delivery_id TEXT NOT NULL,
       attempt     INTEGER NOT NULL,
       at          INTEGER NOT NULL,
       status      INTEGER,
       duration_ms INTEGER NOT NULL,
       error       TEXT,
       PRIMARY KEY (delivery_id, attempt)
     )`,
    `CREATE TABLE IF NOT EXISTS webhook_disabled (
       endpoint TEXT PRIMARY KEY,
       url      TEXT NOT NULL,
       at       INTEGER NOT NULL,
       reason   TEXT NOT NULL
     )`,
  ],
  // 2: what sales said about the lead, each time: the source of calibration and speed-to-lead.
  [
    `CREATE TABLE feedback (
       id      INTEGER PRIMARY KEY AUTOINCREMENT,
       outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected', 'won', 'lost')),
       reason  TEXT,
       amount  REAL,
       at      INTEGER NOT NULL
     )`,
  ],
  // 3: speed to lead and calibration. When the lead last became SQL (cleared when sales sends it
  // back) and when its SLA alert is owed; with each feedback, when the lead it judged became SQL
  // and the rules that had given it points; and the last feedback the lead index has a copy of.
  [
    `ALTER TABLE lead ADD COLUMN sql_at INTEGER`,
    `ALTER TABLE lead ADD COLUMN sla_due INTEGER`,
    `ALTER TABLE lead ADD COLUMN indexed_feedback INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE feedback ADD COLUMN sql_at INTEGER`,
    `ALTER TABLE feedback ADD COLUMN rules TEXT`,
    // A lead already SQL keeps its time for the index; it gets no SLA alert (the SLA is read
    // when a lead becomes SQL), so an upgrade cannot flood sales with old leads' alerts.
    `UPDATE lead SET sql_at = (SELECT max(at) FROM transitions WHERE to_stage = 'sql') WHERE stage = 'sql'`,
  ],
  // 4: attribution. The lead's first and last touch as JSON ({"first", "last"}); null until it
  // is folded from the page views (a lead from before this release is folded on its next event).
  [`ALTER TABLE lead ADD COLUMN source TEXT`],
  // 5: accounts. The last report this lead sent its account (account-sync.ts), as JSON.
  [`ALTER TABLE lead ADD COLUMN account_report TEXT`],
  // 6: identity as a claim unless proven. Whether the lead's email was proven; which events came
  // from a device that joined without proof; how far each joined device is trusted (store.ts Trust).
  [
    `ALTER TABLE lead ADD COLUMN verified INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE events ADD COLUMN claimed INTEGER`,
    `ALTER TABLE visitors ADD COLUMN trust TEXT`,
  ],
  // 7: the events table rebuilt without AUTOINCREMENT and without its time index. Each insert
  // wrote those two b-trees (sqlite_sequence's row and the index) beside the table and its id
  // index: two of the five pages every ingest commit wrote. A new seq is the largest plus one,
  // which only repeats after the newest events are deleted, and only a hand-over deletes them (it
  // starts the score's fold over). Reads in time order scan and sort instead: the timeline, a
  // stage move's alert, the hourly budget once per wake, and a recycled lead's rescoring.
  [
    // Written compactly: this text ships in every deployed bundle.
    `CREATE TABLE events_v7 (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, name TEXT, url TEXT, ref TEXT,
       title TEXT, props TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL, visitor TEXT, bot TEXT, claimed INTEGER)`,
    `INSERT INTO events_v7 (seq, id, type, name, url, ref, title, props, ts, received_at, visitor, bot, claimed)
       SELECT seq, id, type, name, url, ref, title, props, ts, received_at, visitor, bot, claimed FROM events`,
    `DROP TABLE events`,
    `ALTER TABLE events_v7 RENAME TO events`,
  ],
  // 8: the score's running fold (score.ts), stored with the row: an object woken from eviction
  // goes on from it instead of replaying the lead's whole history; null until the next score.
  [`ALTER TABLE lead ADD COLUMN score_fold TEXT`],
];

/**
 * Runs the migrations this object has not run yet (of `migrations`, default all), each in one
 * transaction. Tests pass a prefix of the list to build an object as an older release left it.
 */
export function migrate(storage: DurableObjectStorage, migrations: readonly (readonly string[])[] = MIGRATIONS): void {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const done = sql.exec<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations").one().v ?? 0;
  migrations.slice(done).forEach((statements, index) => {
    storage.transactionSync(() => {
      for (const statement of statements) sql.exec(statement);
      sql.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", done + index + 1, Date.now());
    });
  });
}
