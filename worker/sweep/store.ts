/**
 * The rescoring sweep's state, in the Sweeper object's SQLite storage: one row for the latest
 * sweep (the rules version it is for, where it is, what it did so far). The cursor is written
 * after every page, so a sweep cut off by a crash or a deploy goes on from the page it was at.
 * Every method is synchronous: a page's counts and its cursor are stored together. Updates name
 * the version they are for, so a page that ends after a newer sweep started leaves it alone.
 */
import type { RescoreStatus } from "../../shared/api";

/** Known leads are swept first (their moves alert sales), then anonymous visitors (listing scores). */
export type SweepPhase = "known" | "visitors";

export type SweepRow = {
  version: string;
  state: "running" | "done";
  phase: SweepPhase;
  /** The last lead id handled in this phase; null before the phase's first page. */
  cursor: string | null;
  started_at: number;
  finished_at: number | null;
  leads_done: number;
  rescored: number;
  moved: number;
  failed: number;
  /** How many times the current page was tried again after some of its leads failed. */
  retries: number;
};

const COLUMNS = "version, state, phase, cursor, started_at, finished_at, leads_done, rescored, moved, failed, retries";

/** Append-only, like the Lead object's list: never edit an entry that has shipped. */
export const SWEEP_MIGRATIONS: readonly (readonly string[])[] = [
  // 1: the latest sweep.
  [
    `CREATE TABLE sweep (
       singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
       version     TEXT NOT NULL,
       state       TEXT NOT NULL CHECK (state IN ('running', 'done')),
       phase       TEXT NOT NULL CHECK (phase IN ('known', 'visitors')),
       cursor      TEXT,
       started_at  INTEGER NOT NULL,
       finished_at INTEGER,
       leads_done  INTEGER NOT NULL DEFAULT 0,
       rescored    INTEGER NOT NULL DEFAULT 0,
       moved       INTEGER NOT NULL DEFAULT 0,
       failed      INTEGER NOT NULL DEFAULT 0,
       retries     INTEGER NOT NULL DEFAULT 0
     )`,
  ],
];

/** What one try of a page did. */
export interface PageCounts {
  rescored: number;
  moved: number;
}

export class SweepStore {
  constructor(private readonly sql: SqlStorage) {}

  current(): SweepRow | null {
    return this.sql.exec<SweepRow>(`SELECT ${COLUMNS} FROM sweep`).toArray()[0] ?? null;
  }

  /** Starts over for `version`: the previous sweep, finished or not, is forgotten. */
  start(version: string, now: number): SweepRow {
    this.sql.exec("DELETE FROM sweep");
    this.sql.exec("INSERT INTO sweep (singleton, version, state, phase, started_at) VALUES (1, ?, 'running', 'known', ?)", version, now);
    return this.current() as SweepRow;
  }

  /** Counts a try of the current page whose failed leads will be tried again; the cursor stays. */
  retryPage(version: string, counts: PageCounts): void {
    this.sql.exec(
      "UPDATE sweep SET rescored = rescored + ?, moved = moved + ?, retries = retries + 1 WHERE version = ?",
      counts.rescored, counts.moved, version,
    );
  }

  /** Past a page: its counts, the leads given up on, and the cursor after its last lead. */
  advance(version: string, page: PageCounts & { leads: number; failed: number; cursor: string }): void {
    this.sql.exec(
      `UPDATE sweep SET cursor = ?, leads_done = leads_done + ?, rescored = rescored + ?, moved = moved + ?,
         failed = failed + ?, retries = 0 WHERE version = ?`,
      page.cursor, page.leads, page.rescored, page.moved, page.failed, version,
    );
  }

  /** The phase has no page left: on to the visitors, or done. */
  endPhase(version: string, now: number): void {
    const row = this.current();
    if (row?.version !== version) return;
    if (row.phase === "known") this.sql.exec("UPDATE sweep SET phase = 'visitors', cursor = NULL, retries = 0 WHERE version = ?", version);
    else this.sql.exec("UPDATE sweep SET state = 'done', finished_at = ?, retries = 0 WHERE version = ?", now, version);
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The admin API's view of a sweep; `idle` before the first one. */
export function toStatus(row: SweepRow | null): RescoreStatus {
  if (!row) {
    return { version: null, state: "idle", phase: null, leads_done: 0, rescored: 0, moved: 0, failed: 0, started_at: null, finished_at: null };
  }
  return {
    version: row.version,
    state: row.state,
    phase: row.state === "done" ? null : row.phase,
    leads_done: row.leads_done,
    rescored: row.rescored,
    moved: row.moved,
    failed: row.failed,
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
  };
}
