/**
 * The Account object's SQLite schema, append-only like the Lead object's (see lead/migrations.ts
 * for why a shipped migration is never edited).
 */
import { MIGRATIONS as LEAD_MIGRATIONS } from "../lead/migrations";

// The outbox tables exactly as a lead has them: webhooks/store.ts (OutboxStore) and delivery
// work on either object's storage. Taken from the lead's first migration, which never changes.
const OUTBOX_TABLES = (LEAD_MIGRATIONS[0] ?? []).filter((statement) => /\bwebhook_/.test(statement));

export const ACCOUNT_MIGRATIONS: readonly (readonly string[])[] = [
  // 1: the account (its site and domain, when it last alerted hot, its alert counter), its leads
  // as their objects last reported them, whether the lead index has its latest summary, and its
  // webhook outbox.
  [
    `CREATE TABLE account (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       site      TEXT NOT NULL,
       domain    TEXT NOT NULL,
       hot_at    INTEGER,
       sequence  INTEGER NOT NULL DEFAULT 0,
       index_due INTEGER
     )`,
    `CREATE TABLE members (
       lead_id   TEXT PRIMARY KEY,
       email     TEXT NOT NULL,
       stage     TEXT NOT NULL,
       score     REAL NOT NULL,
       last_seen INTEGER NOT NULL
     )`,
    ...OUTBOX_TABLES,
  ],
  // 2: leads report through the index queue, which may bring a report late or twice: each
  // member keeps when its lead made the report kept (a report no newer is refused), and a lead
  // that left (erased) is remembered with when, so a report made before that never brings it
  // back. The delivery log's cursor. (account.index_due now means a listing row the account
  // writes itself, after an erasure.)
  [
    `ALTER TABLE members ADD COLUMN reported_at INTEGER NOT NULL DEFAULT 0`,
    `CREATE TABLE departed (
       lead_id TEXT PRIMARY KEY,
       at      INTEGER NOT NULL
     )`,
    `ALTER TABLE account ADD COLUMN deliveries_copied_at INTEGER NOT NULL DEFAULT 0`,
  ],
  // 3: each account.hot alert as it was sent (the account and its leads), so that erasing a lead
  // can render the alert's stored bodies again without it: a body is bytes, and a Slack one
  // lists only the first leads, so neither can be edited in place.
  [
    `CREATE TABLE hot_alerts (
       sequence INTEGER PRIMARY KEY,
       alert    TEXT NOT NULL
     )`,
  ],
];
