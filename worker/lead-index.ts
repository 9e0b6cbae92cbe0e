/**
 * The lead index (D1): a copy of each lead's headline numbers, its stage changes and its webhook
 * deliveries, for listing, the funnel and the delivery log. Each Lead object stays the truth and
 * sends its copy through the index queue from its alarm, a moment after it changes; the queue's
 * consumer writes many leads' copies in one batch (`writeCopies`). The index may lag by seconds,
 * never by a change. The schema is migrations/*.sql.
 */
import * as z from "zod";
import type { DeliveryLogEntry, LeadListItem } from "../shared/api";
import { CHANNELS, type Channel } from "./attribution/touch";
import type { FeedbackFact, SlaCutoffs } from "./calibration";
import type { Stage } from "./config";
import { keysetQuery, pageOf, when } from "./paging";
import { FEEDBACK_OUTCOMES, type FeedbackOutcome } from "./scoring/lifecycle";

/** A row of the listing, with its times in ms as the index stores them. */
export type IndexedLead = Omit<LeadListItem, "first_seen" | "last_seen"> & { first_seen: number; last_seen: number };

export interface IndexedStageChange {
  sequence: number;
  from: Stage;
  to: Stage;
  at: number;
}

/** A delivery of the log as the index stores it (its lead is the copy's, its time in ms). */
export type IndexedDelivery = Omit<DeliveryLogEntry, "lead_id" | "updated_at"> & { updated_at: number };

/** A rule's points in the lead's score when sales gave the feedback. */
export interface IndexedRulePoints {
  rule: string;
  points: number;
}

/** One piece of sales feedback as a lead copies it: keyed by its own number, with the rules' points then. */
export type IndexedFeedback = Omit<FeedbackFact, "lead" | "rules" | "first_seen"> & { rules: IndexedRulePoints[] };

/**
 * What a lead's copy says about the lead. Fields added after the first release are optional: a
 * copy made by the release before may still be in the queue (it writes them as null: not known).
 */
export type CopiedLead = Omit<IndexedLead, "verified"> & {
  sql_at: number | null;
  channel?: Channel | null;
  verified?: boolean;
  /** The `name` and `company` traits, for the listing's search (`q=`). */
  name?: string | null;
  company?: string | null;
};

export interface LeadCopy {
  /** Null when the lead no longer lives here (handed over to a known lead): its row goes. */
  lead: CopiedLead | null;
  id: string;
  site: string;
  changes: IndexedStageChange[];
  deliveries: IndexedDelivery[];
  /** Feedback the index has no copy of yet (a copy sent twice is harmless). */
  feedback: IndexedFeedback[];
}

/** Writes one lead's copy now, as the index queue's consumer would (see `writeCopies`). */
export function pushLead(db: D1Database, copy: LeadCopy, now: number): Promise<void> {
  return writeCopies(db, [{ at: now, copy }]);
}

/** A lead's copy as it travels through the index queue: `at` is when its object made it. */
export interface TimedCopy {
  at: number;
  copy: LeadCopy;
}

/** Every row a set of copies writes, one list per table, each row once (see `coalesce`). */
export interface IndexRows {
  /** The newest copy of each lead that still lives in its object. */
  leads: (Omit<CopiedLead, "bot" | "verified"> & { bot: 0 | 1; verified: 0 | 1 | null; updated_at: number })[];
  /** Leads whose newest copy says they left (handed over): their row goes, unless a newer one is there. */
  gone: { id: string; at: number }[];
  changes: (IndexedStageChange & { lead_id: string; site: string; copy_at: number })[];
  feedback: (Omit<IndexedFeedback, "rules"> & { lead_id: string; site: string; rules: string; copy_at: number })[];
  deliveries: (IndexedDelivery & { lead_id: string; copy_at: number })[];
}

/**
 * Folds copies (in any order, some repeated: the queue retries and batches) into the rows to
 * write: each lead's newest copy for its row, and every stage change, feedback and delivery any
 * of them carried (a delivery at its latest state). Nothing but the lead row is ever dropped for
 * a newer copy, so a change carried by an older copy alone still reaches the index.
 */
export function coalesce(copies: readonly TimedCopy[]): IndexRows {
  const newest = new Map<string, TimedCopy>();
  const changes = new Map<string, IndexRows["changes"][number]>();
  const feedback = new Map<string, IndexRows["feedback"][number]>();
  const deliveries = new Map<string, IndexRows["deliveries"][number]>();
  for (const timed of copies) {
    const { at, copy } = timed;
    const seen = newest.get(copy.id);
    if (!seen || seen.at <= at) newest.set(copy.id, timed);
    for (const c of copy.changes) changes.set(`${copy.id} ${c.sequence}`, { ...c, lead_id: copy.id, site: copy.site, copy_at: at });
    for (const f of copy.feedback) feedback.set(`${copy.id} ${f.id}`, { ...f, lead_id: copy.id, site: copy.site, rules: JSON.stringify(f.rules), copy_at: at });
    for (const d of copy.deliveries) {
      const known = deliveries.get(d.id);
      if (!known || known.updated_at <= d.updated_at) deliveries.set(d.id, { ...d, lead_id: copy.id, copy_at: at });
    }
  }
  const rows: IndexRows = { leads: [], gone: [], changes: [...changes.values()], feedback: [...feedback.values()], deliveries: [...deliveries.values()] };
  for (const { at, copy } of newest.values()) {
    if (copy.lead) {
      const { bot, verified } = copy.lead;
      rows.leads.push({ ...copy.lead, bot: bot ? 1 : 0, verified: verified === undefined ? null : verified ? 1 : 0, updated_at: at });
    } else rows.gone.push({ id: copy.id, at });
  }
  return rows;
}

/** A lead's columns in the index that a copy moves on most visits: its score and when it was last seen. */
const MOVING = ["score", "engagement", "fit", "last_seen", "bot", "updated_at"] as const;
/** The rest of a lead's columns beside id and site (which never change): they move with a stage, an identify, a trait. */
const KEPT = ["email", "stage", "first_seen", "sql_at", "channel", "verified", "name", "company"] as const;
/** Every column a whole copy writes beside id and site. */
const WRITTEN = [...KEPT, ...MOVING];

/** True when the lead was erased at or after the copy (`c`) was made: an erased lead's copy is dropped. */
const ERASED = (id: string, at: string) => `EXISTS (SELECT 1 FROM erased_leads e WHERE e.id = ${id} AND e.at >= ${at})`;

/**
 * Writes many leads' copies in one D1 batch (a transaction): one statement per table (two for the
 * leads), whatever the number of copies, each reading its rows from one JSON parameter. Every
 * write is idempotent and keeps the newest state (by the copy's time, or the delivery's), so a
 * batch the queue delivers twice, or late after a newer one, changes nothing.
 */
export async function writeCopies(db: D1Database, copies: readonly TimedCopy[]): Promise<void> {
  const rows = coalesce(copies);
  const statements: D1PreparedStatement[] = [];
  const json = (list: readonly unknown[]) => JSON.stringify(list);
  if (rows.leads.length > 0) {
    const leads = json(rows.leads);
    statements.push(
      // Most copies move only the score and the last visit: those columns alone are written, so
      // the indexes on the others (email, stage, speed to lead) are left alone. A copy that finds
      // its lead with other values there, or no row, is written whole by the next statement.
      db
        .prepare(
          `UPDATE leads SET ${MOVING.map((c) => `${c} = r.value->>'${c}'`).join(", ")}
           FROM json_each(?) r
           WHERE leads.id = r.value->>'id' AND r.value->>'updated_at' >= leads.updated_at
             AND ${KEPT.map((c) => `leads.${c} IS r.value->>'${c}'`).join(" AND ")}
             AND NOT ${ERASED("leads.id", "r.value->>'updated_at'")}`,
        )
        .bind(leads),
      db
        .prepare(
          `INSERT INTO leads (id, site, ${WRITTEN.join(", ")})
           SELECT r.value->>'id', r.value->>'site', ${WRITTEN.map((c) => `r.value->>'${c}'`).join(", ")}
           FROM json_each(?) r WHERE NOT ${ERASED("r.value->>'id'", "r.value->>'updated_at'")}
           ON CONFLICT (id) DO UPDATE SET ${WRITTEN.map((c) => `${c} = excluded.${c}`).join(", ")}
           WHERE excluded.updated_at >= leads.updated_at
             /* Written by the statement before: this very copy, with nothing else changed. */
             AND NOT (excluded.updated_at = leads.updated_at AND ${KEPT.map((c) => `leads.${c} IS excluded.${c}`).join(" AND ")})`,
        )
        .bind(leads),
    );
  }
  if (rows.gone.length > 0) {
    statements.push(
      db
        .prepare(`DELETE FROM leads WHERE EXISTS (SELECT 1 FROM json_each(?) r WHERE r.value->>'id' = leads.id AND leads.updated_at <= r.value->>'at')`)
        .bind(json(rows.gone)),
    );
  }
  if (rows.changes.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO stage_changes (lead_id, sequence, site, from_stage, to_stage, at)
           SELECT r.value->>'lead_id', r.value->>'sequence', r.value->>'site', r.value->>'from', r.value->>'to', r.value->>'at'
           FROM json_each(?) r WHERE NOT ${ERASED("r.value->>'lead_id'", "r.value->>'copy_at'")}`,
        )
        .bind(json(rows.changes)),
    );
  }
  if (rows.feedback.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO feedback (lead_id, id, site, outcome, reason, amount, at, sql_at, rules)
           SELECT r.value->>'lead_id', r.value->>'id', r.value->>'site', r.value->>'outcome', r.value->>'reason', r.value->>'amount',
             r.value->>'at', r.value->>'sql_at', r.value->>'rules'
           FROM json_each(?) r WHERE NOT ${ERASED("r.value->>'lead_id'", "r.value->>'copy_at'")}`,
        )
        .bind(json(rows.feedback)),
    );
  }
  if (rows.deliveries.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT INTO deliveries (id, lead_id, endpoint, type, sequence, status, attempts, last_error, updated_at)
           SELECT r.value->>'id', r.value->>'lead_id', r.value->>'endpoint', r.value->>'type', r.value->>'sequence', r.value->>'status',
             r.value->>'attempts', r.value->>'last_error', r.value->>'updated_at'
           FROM json_each(?) r WHERE NOT ${ERASED("r.value->>'lead_id'", "r.value->>'copy_at'")}
           ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
             last_error = excluded.last_error, updated_at = excluded.updated_at
           WHERE excluded.updated_at >= deliveries.updated_at`,
        )
        .bind(json(rows.deliveries)),
    );
  }
  if (statements.length > 0) await db.batch(statements);
}

/**
 * Removes every trace of a lead (privacy erasure), and remembers when: a copy of it still in the
 * index queue, made before now, is dropped when it arrives.
 */
export async function eraseLead(db: D1Database, id: string, now = Date.now()): Promise<void> {
  await db.batch([
    db.prepare("INSERT INTO erased_leads (id, at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET at = max(at, excluded.at)").bind(id, now),
    db.prepare("DELETE FROM leads WHERE id = ?").bind(id),
    db.prepare("DELETE FROM stage_changes WHERE lead_id = ?").bind(id),
    db.prepare("DELETE FROM deliveries WHERE lead_id = ?").bind(id),
    db.prepare("DELETE FROM feedback WHERE lead_id = ?").bind(id),
  ]);
}

export interface LeadFilter {
  site?: string;
  stage?: Stage;
  min_score?: number;
  email?: string;
  channel?: Channel;
  /** Part of the email (so of its domain), the name or the company (see SEARCH). */
  q?: string;
  limit: number;
  cursor?: string;
}

/** A row as D1 returns it: SQLite has no booleans. */
type LeadIndexRow = Omit<IndexedLead, "bot" | "verified"> & { bot: number; verified: number | null };

/**
 * The search of `q=`: part of the email (so of its domain too), the name or the company. instr,
 * not LIKE: the text is matched as it is (`%`, `_` and `\` included), and D1 refuses LIKE
 * patterns over 50 bytes. `lower` folds ASCII letters only, on both sides, so other letters
 * match in the case they were given.
 */
const SEARCH = "(instr(lower(email), lower(?)) > 0 OR instr(lower(name), lower(?)) > 0 OR instr(lower(company), lower(?)) > 0)";

/** The `name` and `company` traits as the index keeps them: text, trimmed, or null. */
export function searchTraits(traits: Record<string, unknown>): { name: string | null; company: string | null } {
  const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value.trim() : null);
  return { name: text(traits.name), company: text(traits.company) };
}

/** Leads by score, highest first; `next_cursor` continues after the last one. */
export async function listLeads(db: D1Database, filter: LeadFilter) {
  const { sql, binds } = keysetQuery({
    key: "id",
    conditions: [
      when(filter.site, "site = ?"),
      when(filter.stage, "stage = ?"),
      when(filter.min_score, "score >= ?"),
      when(filter.email, "email = ?"),
      when(filter.channel, "channel = ?"),
      when(filter.q, SEARCH, [filter.q, filter.q, filter.q]),
    ],
    cursor: filter.cursor,
    limit: filter.limit,
  });
  const { results } = await db
    .prepare(`SELECT id, site, email, stage, score, engagement, fit, first_seen, last_seen, bot, verified FROM leads ${sql}`)
    .bind(...binds)
    .all<LeadIndexRow>();
  const { page, next_cursor } = pageOf(results, filter.limit, (row) => row.id);
  return {
    leads: page.map(
      (row): LeadListItem => ({
        ...row,
        bot: row.bot === 1,
        verified: row.verified === null ? null : row.verified === 1,
        first_seen: new Date(row.first_seen).toISOString(),
        last_seen: new Date(row.last_seen).toISOString(),
      }),
    ),
    next_cursor,
  };
}

/** The funnel, in order; each step counts leads that reached it or any step after it. */
export const FUNNEL = ["visitors", "known", "mql", "sql", "accepted", "won"] as const;

const REACHED: Record<Exclude<(typeof FUNNEL)[number], "visitors">, readonly Stage[]> = {
  known: ["known", "mql", "sql", "accepted", "won", "lost", "recycled"],
  mql: ["mql", "sql", "accepted", "won", "lost"],
  sql: ["sql", "accepted", "won", "lost"],
  // Won and lost count only after an acceptance (the query checks it): a lead lost, or won,
  // straight from SQL never reached the accepted step.
  accepted: ["accepted", "won", "lost"],
  won: ["won"],
};

/** A change `c` counts for the accepted step only when the lead was accepted at or before it. */
const ACCEPTED_BY_THEN = `AND EXISTS (SELECT 1 FROM stage_changes a
  WHERE a.lead_id = c.lead_id AND a.to_stage = 'accepted' AND a.sequence <= c.sequence)`;

/**
 * Funnel counts for leads active in [from, to): visitors first seen then (bots left out), and
 * for every later step the leads whose stage changes in that time reached it.
 */
export async function funnel(db: D1Database, site: string | undefined, from: number, to: number) {
  const siteClause = site === undefined ? "" : "AND site = ?";
  const siteBind = site === undefined ? [] : [site];
  const visitors = db
    .prepare(`SELECT count(*) AS n FROM leads WHERE bot = 0 AND first_seen >= ? AND first_seen < ? ${siteClause}`)
    .bind(from, to, ...siteBind);
  const steps = Object.entries(REACHED).map(([step, stages]) =>
    db
      .prepare(
        `SELECT count(DISTINCT lead_id) AS n FROM stage_changes c
         WHERE at >= ? AND at < ? ${siteClause} AND to_stage IN (${stages.map(() => "?").join(", ")})
         ${step === "accepted" ? ACCEPTED_BY_THEN : ""}`,
      )
      .bind(from, to, ...siteBind, ...stages),
  );
  const answers = await db.batch<{ n: number }>([visitors, ...steps]);
  const counts = answers.map((answer) => answer.results[0]?.n ?? 0);
  const stagesOut = FUNNEL.map((step, index) => ({ stage: step, count: counts[index] ?? 0 }));
  const conversion = stagesOut.slice(1).map((step, index) => {
    const previous = stagesOut[index] as { stage: string; count: number };
    return { from: previous.stage, to: step.stage, rate: previous.count === 0 ? null : Math.round((step.count / previous.count) * 1000) / 1000 };
  });
  return { funnel: stagesOut, conversion };
}

/** A row of `by_channel` in GET /v1/stats: the funnel and the revenue of the leads a channel first brought. */
export type ChannelStats = { channel: Channel } & Record<(typeof FUNNEL)[number] | "revenue", number>;

/** A lead with no page view in the index (server-side identify only) counts under `other`. */
const CHANNEL_OF = "coalesce(l.channel, 'other')";

/**
 * The funnel of `funnel` split by each lead's first-touch channel, with the revenue of the
 * `won` feedback given in [from, to) (its amounts summed). Channels with nothing are left out.
 */
export async function byChannel(db: D1Database, site: string | undefined, from: number, to: number): Promise<ChannelStats[]> {
  const siteClause = (table: string) => (site === undefined ? "" : `AND ${table}.site = ?`);
  const siteBind = site === undefined ? [] : [site];
  const visitors = db
    .prepare(
      `SELECT ${CHANNEL_OF} AS channel, count(*) AS n FROM leads l
       WHERE l.bot = 0 AND l.first_seen >= ? AND l.first_seen < ? ${siteClause("l")} GROUP BY 1`,
    )
    .bind(from, to, ...siteBind);
  const steps = Object.entries(REACHED).map(([step, stages]) =>
    db
      .prepare(
        `SELECT ${CHANNEL_OF} AS channel, count(DISTINCT c.lead_id) AS n FROM stage_changes c JOIN leads l ON l.id = c.lead_id
         WHERE c.at >= ? AND c.at < ? ${siteClause("c")} AND c.to_stage IN (${stages.map(() => "?").join(", ")})
         ${step === "accepted" ? ACCEPTED_BY_THEN : ""} GROUP BY 1`,
      )
      .bind(from, to, ...siteBind, ...stages),
  );
  const revenue = db
    .prepare(
      `SELECT ${CHANNEL_OF} AS channel, sum(f.amount) AS n FROM feedback f JOIN leads l ON l.id = f.lead_id
       WHERE f.outcome = 'won' AND f.at >= ? AND f.at < ? ${siteClause("f")} GROUP BY 1`,
    )
    .bind(from, to, ...siteBind);
  const answers = await db.batch<{ channel: string; n: number | null }>([visitors, ...steps, revenue]);
  const columns = [...FUNNEL, "revenue"] as const;
  const rows = new Map<string, ChannelStats>();
  answers.forEach((answer, index) => {
    const column = columns[index];
    if (column === undefined) return;
    for (const { channel, n } of answer.results) {
      if (!(CHANNELS as readonly string[]).includes(channel)) continue;
      const row = rows.get(channel) ?? { channel: channel as Channel, visitors: 0, known: 0, mql: 0, sql: 0, accepted: 0, won: 0, revenue: 0 };
      row[column] = n ?? 0;
      rows.set(channel, row);
    }
  });
  return CHANNELS.flatMap((channel) => rows.get(channel) ?? []);
}

const RulePoints = z.array(z.object({ rule: z.string(), points: z.number() }));

/** The rules with points in a feedback row; a row this release cannot read gives none. */
function rulesOf(json: string | null): string[] {
  try {
    const parsed = RulePoints.safeParse(JSON.parse(json ?? "[]"));
    return parsed.success ? parsed.data.filter((r) => r.points !== 0).map((r) => r.rule) : [];
  } catch {
    return [];
  }
}

const isOutcome = (outcome: string): outcome is FeedbackOutcome => (FEEDBACK_OUTCOMES as readonly string[]).includes(outcome);

/**
 * The feedback of every lead that got feedback in [from, to), with its earlier feedback too (up
 * to `to`): the calibration in calibration.ts needs each lead's whole story so far.
 */
export async function feedbackFacts(db: D1Database, site: string | undefined, from: number, to: number): Promise<FeedbackFact[]> {
  const { results } = await db
    .prepare(
      `SELECT f.lead_id, f.id, f.outcome, f.reason, f.amount, f.at, f.sql_at, f.rules, l.first_seen
       FROM feedback f LEFT JOIN leads l ON l.id = f.lead_id
       WHERE f.at < ? AND f.lead_id IN (SELECT lead_id FROM feedback WHERE at >= ? AND at < ? ${site === undefined ? "" : "AND site = ?"})
       ORDER BY f.lead_id, f.id`,
    )
    .bind(to, from, to, ...(site === undefined ? [] : [site]))
    .all<Omit<FeedbackFact, "lead" | "rules" | "outcome"> & { lead_id: string; outcome: string; rules: string | null }>();
  return results.flatMap(({ lead_id, outcome, rules, ...row }) => (isOutcome(outcome) ? [{ ...row, lead: lead_id, outcome, rules: rulesOf(rules) }] : []));
}

/**
 * Leads still SQL (so with no feedback since: any feedback moves a lead out of SQL) that became
 * SQL in [from, to) and have waited past their site's SLA.
 */
export async function openOverSla(db: D1Database, site: string | undefined, from: number, to: number, cutoffs: SlaCutoffs): Promise<number> {
  const overdue: string[] = [];
  const binds: unknown[] = [];
  for (const [key, before] of cutoffs.sites) {
    if (before !== null && (site === undefined || site === key)) (overdue.push("(site = ? AND sql_at <= ?)"), binds.push(key, before));
  }
  const configured = [...cutoffs.sites.keys()];
  if (cutoffs.others !== null && (site === undefined || !cutoffs.sites.has(site))) {
    overdue.push(`(site NOT IN (${configured.map(() => "?").join(", ")}) AND sql_at <= ?)`);
    binds.push(...configured, cutoffs.others);
  }
  if (overdue.length === 0) return 0;
  const row = await db
    .prepare(
      `SELECT count(*) AS n FROM leads WHERE stage = 'sql' AND sql_at >= ? AND sql_at < ?
       ${site === undefined ? "" : "AND site = ?"} AND (${overdue.join(" OR ")})`,
    )
    .bind(from, to, ...(site === undefined ? [] : [site]), ...binds)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * One page of lead ids for the rescoring sweep, by id after `after`: known leads (with an email)
 * or anonymous visitors, never won or lost leads (their stage can no longer move). Keyed by id,
 * so a page costs the same at the end of 100,000 leads as at the start.
 */
export async function sweepPage(db: D1Database, page: { known: boolean; after: string | null; limit: number }): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM leads WHERE id > ? AND email IS ${page.known ? "NOT NULL" : "NULL"} AND stage NOT IN ('won', 'lost')
       ORDER BY id LIMIT ?`,
    )
    .bind(page.after ?? "", page.limit)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

/** Known leads (with an email), most recently seen first: the ones a what-if preview replays. */
export async function recentKnownLeads(db: D1Database, site: string | undefined, limit: number): Promise<{ id: string; site: string }[]> {
  const { results } = await db
    .prepare(
      `SELECT id, site FROM leads WHERE email IS NOT NULL ${site === undefined ? "" : "AND site = ?"}
       ORDER BY last_seen DESC, id LIMIT ?`,
    )
    .bind(...(site === undefined ? [] : [site]), limit)
    .all<{ id: string; site: string }>();
  return results;
}
