/**
 * The Lead object's SQLite schema and row mapping. Migrations are append-only: a deployed
 * object runs the ones it has not run yet, once, before it serves anything.
 */
import type { Event } from "../shared/wire";
import type { Stage } from "./config";
import type { ScoredEvent } from "./scoring/engine";
import { OUTBOX_SCHEMA } from "./webhooks/outbox";

export const MIGRATIONS: readonly (readonly string[])[] = [
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
    ...OUTBOX_SCHEMA,
  ],
];

/** Runs the migrations this object has not run yet, each list in one transaction. */
export function migrate(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const done = sql.exec<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations").one().v ?? 0;
  MIGRATIONS.slice(done).forEach((statements, index) => {
    storage.transactionSync(() => {
      for (const statement of statements) sql.exec(statement);
      sql.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", done + index + 1, Date.now());
    });
  });
}

export type LeadRow = {
  id: string;
  kind: "visitor" | "email";
  site: string;
  visitor: string | null;
  email: string | null;
  traits: string;
  stage: Stage;
  score: number;
  engagement: number;
  fit: number;
  rules_version: string | null;
  sequence: number;
  first_seen: number;
  last_seen: number;
  forward_to: string | null;
  collector_url: string | null;
  /** When sales last rejected the lead: it re-qualifies on what it does after this. */
  recycled_at: number | null;
  /** When the lead index is owed a fresh copy of this lead; null when it has the latest. */
  index_due: number | null;
  /** When the index last got a copy, and the last stage change it holds. */
  indexed_at: number;
  indexed_seq: number;
};

export const LEAD_COLUMNS =
  "id, kind, site, visitor, email, traits, stage, score, engagement, fit, rules_version, sequence, first_seen, last_seen, forward_to, collector_url, recycled_at, index_due, indexed_at, indexed_seq";

export type EventRow = {
  seq: number;
  id: string;
  type: Event["type"];
  name: string | null;
  url: string | null;
  ref: string | null;
  title: string | null;
  props: string | null;
  ts: number;
  received_at: number;
  visitor: string | null;
  bot: string | null;
};

export const EVENT_COLUMNS = "seq, id, type, name, url, ref, title, props, ts, received_at, visitor, bot";

/** An event as stored, in the shape other objects receive it in a merge. */
export type StoredEvent = Omit<EventRow, "seq">;

export const toScored = (row: EventRow): ScoredEvent => ({
  id: row.id,
  type: row.type,
  name: row.name ?? undefined,
  url: row.url ?? undefined,
  props: row.props ? JSON.parse(row.props) : undefined,
  at: row.received_at,
  bot: row.bot !== null,
});

/** An event as the API and webhooks show it. */
export function toPublicEvent(row: EventRow | StoredEvent): Record<string, unknown> {
  return {
    id: row.id,
    type: row.type,
    ...(row.name !== null && { name: row.name }),
    ...(row.url !== null && { url: row.url }),
    ...(row.ref !== null && { ref: row.ref }),
    ...(row.title !== null && { title: row.title }),
    ...(row.props !== null && { props: JSON.parse(row.props) }),
    ts: row.ts,
    received_at: new Date(row.received_at).toISOString(),
    visitor: row.visitor,
    bot: row.bot,
  };
}

/** The fields of a wire event that the events table keeps. */
export function fromWire(event: Event, visitor: string | null, receivedAt: number, bot: string | null): StoredEvent {
  return {
    id: event.id,
    type: event.type,
    name: event.type === "track" ? event.name : null,
    url: event.url ?? null,
    ref: event.ref ?? null,
    title: event.title ?? null,
    props: event.props === undefined ? null : JSON.stringify(event.props),
    ts: event.ts,
    received_at: receivedAt,
    visitor,
    bot,
  };
}
