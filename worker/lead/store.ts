/**
 * Every SQL statement of a Lead object, as named operations over its SQLite storage. The object
 * and its helpers never write SQL themselves: a column changes here and nowhere else.
 *
 * All methods are synchronous, so a caller can group several of them in one `transactionSync`
 * (or one block with no await): they commit together or not at all.
 */
import type { Event } from "../../shared/wire";
import type { Attribution } from "../attribution/touch";
import type { Stage } from "../config";
import type { ScoredEvent } from "../scoring/engine";
import { type Received, type ReceivedReads, type ReceivedTally, ReceivedWindow } from "./received-window";

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
  /** When the lead last became SQL; null before, and again once sales sent it back (recycled). */
  sql_at: number | null;
  /** When a lead.sla_missed alert is owed unless sales gives feedback first; null when none is. */
  sla_due: number | null;
  /** The last feedback (by id) the lead index has a copy of. */
  indexed_feedback: number;
  /** Its first and last touch (attribution/touch.ts `Attribution` as JSON); null before its first page view. */
  source: string | null;
  /** The last report sent to the lead's account (account-sync.ts), as JSON; null before any, "" to send it again (after a lost copy). */
  account_report: string | null;
  /** 1 once its email was proven: a verified identify, or the site's server (admin /v1/identify). */
  verified: number;
  /**
   * The score's running fold as of the last score (score.ts, as JSON, with `lastSeq`, the last
   * event folded); null to fold the history again.
   */
  score_fold: string | null;
};

/**
 * How far a device that joined a known lead is trusted: null when it proved the email (or
 * founded the lead); `claimed` when it only said so (it adds traits, never overwrites them);
 * `over_limit` when it joined beyond the day's new-device limit (its events never score).
 */
export type Trust = null | "claimed" | "over_limit";

const LEAD_COLUMNS =
  "id, kind, site, visitor, email, traits, stage, score, engagement, fit, rules_version, sequence, first_seen, last_seen, forward_to, collector_url, recycled_at, index_due, indexed_at, indexed_seq, sql_at, sla_due, indexed_feedback, source, account_report, verified, score_fold";

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
  /** 1 when it came from a device that joined this known lead without proof (Trust). */
  claimed: number | null;
};

const EVENT_COLUMNS = "seq, id, type, name, url, ref, title, props, ts, received_at, visitor, bot, claimed";

/** An event as stored, in the shape other objects receive it in a merge. */
export type StoredEvent = Omit<EventRow, "seq">;

export type TransitionRow = {
  sequence: number;
  from_stage: Stage;
  to_stage: Stage;
  at: number;
  score: number;
  engagement: number;
  fit: number;
  reasons: string;
  cause: string;
};

export type FeedbackRow = {
  outcome: "accepted" | "rejected" | "won" | "lost";
  reason: string | null;
  /** The deal size given with `won`. */
  amount: number | null;
  at: number;
};

/** Feedback as the lead index receives it: with what it judged. */
export type JudgedFeedbackRow = FeedbackRow & {
  id: number;
  /** When the lead became SQL in the qualification the feedback judged; null when it never did. */
  sql_at: number | null;
  /** The lead's score explanation (Reason[] as JSON) when the feedback was given; null before migration 3. */
  rules: string | null;
};

export const toScored = (row: EventRow | StoredEvent): ScoredEvent => ({
  id: row.id,
  type: row.type,
  name: row.name ?? undefined,
  url: row.url ?? undefined,
  props: row.props ? JSON.parse(row.props) : undefined,
  at: row.received_at,
  bot: row.bot !== null,
});

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
    claimed: null,
  };
}

/** The columns an insert of an event fills, in the order of `insertedValues`. */
const INSERTED_COLUMNS = "id, type, name, url, ref, title, props, ts, received_at, visitor, bot, claimed";
const insertedValues = (e: StoredEvent) => [e.id, e.type, e.name, e.url, e.ref, e.title, e.props, e.ts, e.received_at, e.visitor, e.bot, e.claimed];
/** RETURNING yields no row for an id already stored: that is a duplicate. */
const INSERT_ONE = `INSERT INTO events (${INSERTED_COLUMNS}) VALUES (${INSERTED_COLUMNS.replace(/\w+/g, "?")})
  ON CONFLICT (id) DO NOTHING RETURNING seq`;
/**
 * A batch as one JSON array of value arrays; WHERE true, or SQLite reads ON CONFLICT as part of
 * the SELECT's join. A column with one value in every row (the receive time, the visitor, the
 * nulls of page views) is bound once instead (?3 on): reading it out of every row's JSON cost a
 * batch of page views about a quarter of the statement's CPU. Bit i of ?2 marks column i as read
 * from the rows.
 */
const INSERT_BATCH = `INSERT INTO events (${INSERTED_COLUMNS})
  SELECT ${INSERTED_COLUMNS.split(", ").map((_, i) => `CASE WHEN ?2 & ${1 << i} THEN value->>${i} ELSE ?${i + 3} END`).join(", ")}
  FROM json_each(?1) WHERE true ORDER BY key
  ON CONFLICT (id) DO NOTHING RETURNING seq, id`;

/** At most this many inserted events are kept for `eventsAfter`; a longer run is read from storage. */
const APPENDED_MAX = 1_000;

/**
 * The columns every ingest changes that the stored events restore: the last-seen time (the
 * newest event's receive time) and the score with its fold (the stored fold, then the events
 * after it). A block that changes only these holds them back instead of writing the row (see
 * `batchWrites`).
 */
const RESTORED = new Set<keyof LeadRow>(["last_seen", "score", "engagement", "fit", "score_fold"]);
/** Held-back changes are written once this many events came after the stored fold: what a woken object reads again. */
const HELD_BACK_EVENTS_MAX = 256;

/** The last event a stored fold folded (`score_fold`'s `lastSeq`); null without a usable fold. */
function foldedUpTo(fold: string | null): number | null {
  if (fold === null) return null;
  try {
    const lastSeq = (JSON.parse(fold) as { lastSeq?: unknown }).lastSeq;
    return typeof lastSeq === "number" ? lastSeq : null;
  } catch {
    return null;
  }
}

/**
 * The hourly budget's reads (received-window.ts). By receive time, not seq: a hand-over brings in
 * events received earlier under newer seqs. Both scan the lead's events (there is no time index);
 * the list only once the window has moved past the oldest event the tally counted.
 */
export const receivedReads = (sql: SqlStorage): ReceivedReads => ({
  tally: (since) =>
    sql
      .exec<ReceivedTally>("SELECT count(*) AS count, min(received_at) AS oldest, max(seq) AS newestSeq FROM events WHERE received_at >= ?", since)
      .one(),
  list: (since, cap) =>
    sql
      .exec<Received>("SELECT seq, received_at AS at FROM events WHERE received_at >= ? ORDER BY received_at DESC, seq DESC LIMIT ?", since, cap)
      .toArray()
      .reverse(),
});

export class LeadStore {
  /**
   * The hourly budget's memory of recent events (received-window.ts): the budget is checked on
   * every batch, and counting the events each time cost a hot lead a scan of its whole last hour
   * per request (a fifth of its CPU). Kept by every insert here; whatever changes the table
   * otherwise (a rolled-back transaction, a hand-over's delete, an erasure) makes it read again
   * through `forget` or `deleteEventsUpTo`.
   */
  private readonly received: ReceivedWindow;

  /**
   * The events this store inserted last, in seq order, and the seq just before the first of them:
   * no other event has a seq after it (a new seq is the largest plus one). The score's fold asks
   * for the events after the last one it folded on every batch, and those are the batch itself:
   * answered from here, not read back. Dropped when anything else changes the table.
   */
  private appended: { after: number; rows: EventRow[] } | null = null;

  /** The lead's row as last read, and changed since; undefined when it must be read again (see `row`). */
  private cachedRow: LeadRow | null | undefined = undefined;
  /** Changes to the row made inside `batchWrites`, written as one UPDATE at its end; null outside. */
  private unwritten: Partial<LeadRow> | null = null;
  /**
   * Changes to the restored columns (RESTORED) not written yet: the next write of the row takes
   * them along. An object that goes away first loses nothing: its successor restores them from
   * the stored events (`restore`).
   */
  private heldBack: Partial<LeadRow> = {};
  /** The last event (seq) the stored row's fold folded; null when it has none. */
  private storedFoldUpTo: number | null = null;
  /** The largest seq stored, as far as this store knows: a new seq is the largest plus one. */
  private newestSeq: number | null = null;
  /** The receive time of the newest event this store inserted since the row was last written. */
  private newestInserted: number | null = null;

  constructor(private readonly sql: SqlStorage) {
    this.received = new ReceivedWindow(receivedReads(sql));
  }

  /**
   * The lead's row. Read once and kept current by every change here: a batch reads it several
   * times (ingest, rescoring, the index's and the alarm's bookkeeping), and reading its thirty-odd
   * columns was a tenth of the CPU of a lead's request. A change replaces the remembered row, never
   * alters it, so a row handed out stays what it was when the caller read it.
   */
  row(): Readonly<LeadRow> | null {
    return this.remembered();
  }

  /** The remembered row (read first when it is not). */
  private remembered(): LeadRow | null {
    if (this.cachedRow === undefined) {
      const row = this.sql.exec<LeadRow>(`SELECT ${LEAD_COLUMNS} FROM lead`).toArray()[0];
      this.cachedRow = row ? this.restore(row) : null;
    }
    return this.cachedRow;
  }

  /**
   * The stored row with what held-back changes its last instance may not have written: the
   * last-seen time of the events after its stored fold. (The score needs nothing here: the fold
   * goes on from the stored one over those same events, score.ts.)
   */
  private restore(row: LeadRow): LeadRow {
    this.storedFoldUpTo = foldedUpTo(row.score_fold);
    if (this.storedFoldUpTo === null) return row;
    const after = this.sql
      .exec<{ at: number | null; seq: number | null }>("SELECT max(received_at) AS at, max(seq) AS seq FROM events WHERE seq > ?", this.storedFoldUpTo)
      .one();
    this.newestSeq = Math.max(this.newestSeq ?? 0, after.seq ?? this.storedFoldUpTo);
    if (after.at === null || after.at <= row.last_seen) return row;
    // Held back again: a write that moves the stored fold past those events must take it along.
    this.heldBack = { last_seen: after.at };
    return { ...row, last_seen: after.at };
  }

  /**
   * Forgets the remembered row, its held-back changes (the stored events restore them) and the
   * memories of recent events: after a rolled-back transaction or a `deleteAll`, which change
   * storage behind this store's back.
   */
  forget(): void {
    this.cachedRow = undefined;
    this.unwritten = null;
    this.heldBack = {};
    this.newestSeq = null;
    this.newestInserted = null;
    this.received.forget();
    this.appended = null;
  }

  /**
   * Runs `fn` (synchronous, inside the caller's transaction) with every change to the lead's row
   * written as one UPDATE at its end: an ingest changes the row three or four times (profile,
   * score, index marks), and each UPDATE was a statement of its own. Reads in between see the
   * changes (`row` answers from memory). If `fn` throws, none of its row changes is written and
   * the row is read again next time. Blocks do not nest: the Lead's transaction refuses to.
   *
   * A block that changed only what the events restore (an ingest that moved nothing but the
   * last-seen time and the score) does not write the row at all: its changes are held back
   * until the next write of the row. With many leads, that write was one of the three pages
   * each ingest committed.
   */
  batchWrites<T>(fn: () => T): T {
    this.unwritten = {};
    try {
      const result = fn();
      const changes = this.unwritten;
      this.unwritten = null;
      if (this.restorable(changes)) Object.assign(this.heldBack, changes);
      else this.writeColumns(changes);
      return result;
    } catch (error) {
      // Also clears `unwritten`.
      this.forget();
      throw error;
    }
  }

  /**
   * Whether a successor restores `changes` from the stored events alone: only restored columns
   * changed, the stored row has a fold to go on from with not too many events after it, and a
   * new last-seen time is the receive time of an event stored after that fold (a batch of
   * duplicates only stored none, so its last-seen time is written).
   */
  private restorable(changes: Partial<LeadRow>): boolean {
    const upTo = this.storedFoldUpTo;
    if (upTo === null || (this.newestSeq ?? upTo) - upTo >= HELD_BACK_EVENTS_MAX) return false;
    if (changes.last_seen !== undefined && changes.last_seen !== this.newestInserted) return false;
    for (const column in changes) if (!RESTORED.has(column as keyof LeadRow)) return false;
    return true;
  }

  /** Whether a `batchWrites` block is running. */
  get batching(): boolean {
    return this.unwritten !== null;
  }

  /** Changes columns of the lead's row (nothing when there is none); only values that differ are written. */
  private change(columns: Partial<LeadRow>): void {
    const row = this.remembered();
    if (!row) return;
    const changed: Partial<LeadRow> = {};
    let any = false;
    for (const [column, value] of Object.entries(columns) as [keyof LeadRow, LeadRow[keyof LeadRow]][]) {
      if (row[column] !== value) {
        Object.assign(changed, { [column]: value });
        any = true;
      }
    }
    if (!any) return;
    if (this.unwritten) Object.assign(this.unwritten, changed);
    else this.writeColumns(changed);
    // After the write: a write that fails leaves the remembered row as storage has it.
    this.cachedRow = { ...row, ...changed };
  }

  /** Writes `columns`, and with them whatever was held back. */
  private writeColumns(columns: Partial<LeadRow>): void {
    const all = { ...this.heldBack, ...columns };
    const names = Object.keys(all);
    if (names.length === 0) return;
    // Column names come from LeadRow's keys, never from input; values are bound.
    this.sql.exec(`UPDATE lead SET ${names.map((name) => `${name} = ?`).join(", ")} WHERE singleton = 1`, ...(Object.values(all) as SqlStorageValue[]));
    this.heldBack = {};
    this.newestInserted = null;
    if (all.score_fold !== undefined) this.storedFoldUpTo = foldedUpTo(all.score_fold);
  }

  create(init: { id: string; kind: LeadRow["kind"]; site: string; visitor?: string; email?: string; now: number }): LeadRow {
    this.sql.exec(
      "INSERT INTO lead (singleton, id, kind, site, visitor, email, first_seen, last_seen) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
      init.id, init.kind, init.site, init.visitor ?? null, init.email ?? null, init.now, init.now,
    );
    // Read back once: the defaults of the other columns are the schema's.
    this.cachedRow = undefined;
    return this.row() as LeadRow;
  }

  /** Stores an event unless its id is already here; true when it was new. */
  insertEvent(event: StoredEvent): boolean {
    const inserted = this.sql.exec<{ seq: number }>(INSERT_ONE, ...insertedValues(event)).toArray()[0];
    if (!inserted) return false;
    this.received.remember(inserted.seq, event.received_at);
    this.append({ ...event, seq: inserted.seq });
    return true;
  }

  /** Keeps a new event for `eventsAfter` while the inserts stay one unbroken run of seqs. */
  private append(row: EventRow): void {
    this.newestSeq = Math.max(this.newestSeq ?? 0, row.seq);
    this.newestInserted = Math.max(this.newestInserted ?? 0, row.received_at);
    const last = this.appended?.rows.at(-1)?.seq ?? this.appended?.after;
    if (this.appended && last === row.seq - 1 && this.appended.rows.length < APPENDED_MAX) this.appended.rows.push(row);
    else this.appended = { after: row.seq - 1, rows: [row] };
  }

  /**
   * Stores a batch in one statement, each event unless its id is already here; answers the new
   * ones, in order. One statement instead of one per event: crossing into SQLite per event, with
   * twelve bound values each, was most of a 20-event batch's CPU. The batch travels as one JSON
   * value (a statement binds at most 100), unpacked by json_each in the batch's order.
   */
  insertEvents(events: readonly StoredEvent[]): readonly StoredEvent[] {
    // One event goes in as it is: unpacking JSON would only cost it more.
    if (events.length <= 1) return events.filter((event) => this.insertEvent(event));
    const rows = events.map(insertedValues);
    const first = rows[0] as ReturnType<typeof insertedValues>;
    // Bit i: column i differs between rows, so each row's JSON carries it.
    let varying = 0;
    for (const row of rows) {
      row.forEach((value, i) => {
        if (value !== first[i]) varying |= 1 << i;
      });
    }
    const read = (i: number) => (varying & (1 << i)) !== 0;
    const inserted = this.sql
      .exec<{ seq: number; id: string }>(
        INSERT_BATCH,
        // 0 holds the place of a column bound once: never read.
        JSON.stringify(rows.map((row) => row.map((value, i) => (read(i) ? value : 0)))),
        varying,
        ...first.map((value, i) => (read(i) ? null : value)),
      )
      .toArray()
      .sort((a, b) => a.seq - b.seq);
    let stored: readonly StoredEvent[] = events;
    if (inserted.length < events.length || inserted.some((row, i) => row.id !== events[i]?.id)) {
      // Some were duplicates. An id twice in one batch is stored as it first came, as one insert
      // after another would.
      const byId = new Map<string, StoredEvent>();
      for (const e of events) if (!byId.has(e.id)) byId.set(e.id, e);
      stored = inserted.map(({ id }) => byId.get(id) as StoredEvent);
    }
    // Inserted in the batch's order (ORDER BY key), so seq order is the batch's order.
    stored.forEach((event, i) => {
      const seq = (inserted[i] as { seq: number }).seq;
      this.received.remember(seq, event.received_at);
      this.append({ ...event, seq });
    });
    return stored;
  }

  /** After an ingest: when it was seen, from which collector, and its profile. */
  updateProfile(update: { lastSeen: number; collectorUrl: string | null; email: string | null; traits: Record<string, unknown> }): void {
    const row = this.remembered();
    if (!row) return;
    this.change({
      last_seen: update.lastSeen,
      collector_url: update.collectorUrl ?? row.collector_url,
      email: update.email ?? row.email,
      traits: JSON.stringify(update.traits),
    });
  }

  /** After a merge: the absorbed history may start earlier than this lead did. */
  updateAfterMerge(update: { firstSeen: number; lastSeen: number; collectorUrl: string | null; traits: Record<string, unknown> }): void {
    const row = this.remembered();
    if (!row) return;
    this.change({
      traits: JSON.stringify(update.traits),
      first_seen: update.firstSeen,
      last_seen: update.lastSeen,
      collector_url: update.collectorUrl ?? row.collector_url,
    });
  }

  touch(lastSeen: number): void {
    this.change({ last_seen: lastSeen });
  }

  setScore(score: { score: number; engagement: number; fit: number }, rulesVersion: string | null, fold: string | null): void {
    this.change({ score: score.score, engagement: score.engagement, fit: score.fit, rules_version: rulesVersion, score_fold: fold });
  }

  /**
   * Drops the stored fold: the next score folds the whole history again. The block it is in writes
   * the row, held-back changes included: a successor must never go on from a fold of events that
   * are gone, or that newer seqs now precede in receive order (a merge).
   */
  dropScoreFold(): void {
    this.change({ score_fold: null });
    this.storedFoldUpTo = null;
  }

  setStage(stage: Stage, sequence: number): void {
    this.change({ stage, sequence });
  }

  /** The lead's first and last touch, folded from its page views. */
  setSource(source: Attribution | null): void {
    this.change({ source: source === null ? null : JSON.stringify(source) });
  }

  setAccountReport(report: string): void {
    this.change({ account_report: report });
  }

  setRecycledAt(at: number): void {
    this.change({ recycled_at: at });
  }

  /** Where this visitor's events go from now on: the known lead it handed over to, or nowhere. */
  setForward(target: string | null): void {
    if (target === null) this.change({ forward_to: null });
    // A visitor that handed over keeps no traits of its own: the known lead holds them.
    else this.change({ forward_to: target, traits: "{}" });
  }

  insertTransition(t: TransitionRow): void {
    this.sql.exec(
      `INSERT INTO transitions (sequence, from_stage, to_stage, at, score, engagement, fit, reasons, cause)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      t.sequence, t.from_stage, t.to_stage, t.at, t.score, t.engagement, t.fit, t.reasons, t.cause,
    );
  }

  transitions(afterSequence = 0): TransitionRow[] {
    return this.sql
      .exec<TransitionRow>(
        "SELECT sequence, from_stage, to_stage, at, score, engagement, fit, reasons, cause FROM transitions WHERE sequence > ? ORDER BY sequence",
        afterSequence,
      )
      .toArray();
  }

  /** Every event in receive order (ties by arrival). */
  history(): SqlStorageCursor<EventRow> {
    return this.sql.exec<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY received_at, seq`);
  }

  /**
   * Events stored after `seq`. New events are appended at the lead's monotonic receive time, so
   * their seq order is their time order and the primary key finds them without the time index;
   * from 0 (a full refold, after a merge added older events) they are read in time order.
   */
  eventsAfter(seq: number): Iterable<EventRow> {
    const appended = this.appended;
    if (seq > 0 && appended && seq >= appended.after) {
      // What the caller has folded is no longer kept.
      this.appended = { after: seq, rows: appended.rows.filter((row) => row.seq > seq) };
      return this.appended.rows;
    }
    return this.sql.exec<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY ${seq === 0 ? "received_at, seq" : "seq"}`,
      seq,
    );
  }

  /** Events received after `since`, in time order. */
  eventsSince(since: number): EventRow[] {
    return this.sql
      .exec<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE received_at > ? ORDER BY received_at, seq`, since)
      .toArray();
  }

  /** The latest `limit` events, oldest of them first. */
  latestEvents(limit: number): EventRow[] {
    return this.sql
      .exec<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM (SELECT ${EVENT_COLUMNS} FROM events ORDER BY received_at DESC, seq DESC LIMIT ?)
         ORDER BY received_at, seq`,
        limit,
      )
      .toArray();
  }

  /**
   * What the score chart folds, in receive order: every event that scores (not flagged) and the
   * latest `limit` events of any kind, marked `charted` (the chart's points). A flagged event
   * never scores, and a flooded lead holds mostly those: reading and sorting all of them to chart
   * the last few took a lead with two million events past a minute.
   */
  chartEvents(limit: number): SqlStorageCursor<EventRow & { charted: 0 | 1 }> {
    return this.sql.exec<EventRow & { charted: 0 | 1 }>(
      `WITH latest AS (SELECT seq FROM events ORDER BY received_at DESC, seq DESC LIMIT ?)
       SELECT ${EVENT_COLUMNS}, seq IN latest AS charted FROM events WHERE bot IS NULL OR seq IN latest ORDER BY received_at, seq`,
      limit,
    );
  }

  eventCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
  }

  /** A lead whose every event was flagged is a bot; one flagged event among human ones is not. */
  allEventsFlagged(): boolean {
    // Stops at the first human event rather than counting a long history.
    return this.sql.exec<{ flagged: number }>("SELECT EXISTS (SELECT 1 FROM events) AND NOT EXISTS (SELECT 1 FROM events WHERE bot IS NULL) AS flagged").one().flagged === 1;
  }

  /** Removes the events a hand-over passed on (those up to `seq`); later arrivals stay. */
  deleteEventsUpTo(seq: number): void {
    this.sql.exec("DELETE FROM events WHERE seq <= ?", seq);
    this.received.forget();
    this.appended = null;
    // Deleting the newest events gives their seqs out again.
    this.newestSeq = null;
    // A fold of events no longer here, whose seqs may be given out again, is no use.
    this.dropScoreFold();
  }

  /** Records a device joining this lead; a proof given later (trust null) lifts an earlier claim. */
  addVisitor(visitor: string, at: number, trust: Trust = null): void {
    this.sql.exec(
      `INSERT INTO visitors (visitor, merged_at, trust) VALUES (?, ?, ?)
       ON CONFLICT (visitor) DO UPDATE SET trust = CASE WHEN excluded.trust IS NULL THEN NULL ELSE trust END`,
      visitor, at, trust,
    );
  }

  /** How far a device that joined is trusted; undefined when it never joined this lead. */
  visitorTrust(visitor: string): Trust | undefined {
    const row = this.sql.exec<{ trust: Trust }>("SELECT trust FROM visitors WHERE visitor = ?", visitor).toArray()[0];
    return row ? row.trust : undefined;
  }

  /** How many events were received since `at`, counted up to `cap` (for the hourly budget: more is never asked). */
  countEventsSince(at: number, cap: number): number {
    return this.received.count(at, cap);
  }

  /** Devices that joined since `at` (for the new-device limit). */
  visitorsSince(at: number): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM visitors WHERE merged_at >= ?", at).one().n;
  }

  setVerified(verified: boolean): void {
    this.change({ verified: verified ? 1 : 0 });
  }

  /** The anonymous ids whose history this lead absorbed, oldest first. */
  absorbedVisitors(): string[] {
    return this.sql.exec<{ visitor: string }>("SELECT visitor FROM visitors ORDER BY merged_at").toArray().map((v) => v.visitor);
  }

  addFeedback(feedback: FeedbackRow & Pick<JudgedFeedbackRow, "sql_at" | "rules">): void {
    this.sql.exec(
      "INSERT INTO feedback (outcome, reason, amount, at, sql_at, rules) VALUES (?, ?, ?, ?, ?, ?)",
      feedback.outcome, feedback.reason, feedback.amount, feedback.at, feedback.sql_at, feedback.rules,
    );
  }

  /** Feedback after the one numbered `id`, oldest first: what the lead index has no copy of yet. */
  feedbackAfter(id: number): JudgedFeedbackRow[] {
    return this.sql
      .exec<JudgedFeedbackRow>("SELECT id, outcome, reason, amount, at, sql_at, rules FROM feedback WHERE id > ? ORDER BY id", id)
      .toArray();
  }

  /** Speed to lead: when the lead became SQL (null once sent back) and when its SLA alert is owed. */
  setSqlClock(sqlAt: number | null, slaDue: number | null): void {
    this.change({ sql_at: sqlAt, sla_due: slaDue });
  }

  setSlaDue(at: number | null): void {
    this.change({ sla_due: at });
  }

  /** Every piece of sales feedback, oldest first. */
  feedback(): FeedbackRow[] {
    return this.sql.exec<FeedbackRow>("SELECT outcome, reason, amount, at FROM feedback ORDER BY id").toArray();
  }

  setIndexDue(at: number | null): void {
    this.change({ index_due: at });
  }

  markIndexed(update: { due: number | null; at: number; sequence: number; feedback: number }): void {
    this.change({ index_due: update.due, indexed_at: update.at, indexed_seq: update.sequence, indexed_feedback: update.feedback });
  }
}
