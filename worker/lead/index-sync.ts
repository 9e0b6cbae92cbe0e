/**
 * Keeping the lead index (D1) in step with this lead. The object stays the truth; the index gets
 * a copy through the index queue, sent from the alarm: at once after a stage change, feedback or
 * a delivery, within a second for a lead new to the index, and half a minute after the score
 * moved otherwise (changes in between share one copy). A lead stays owed until the queue took its
 * copy, so a failed send is made again; the queue's consumer (index-queue.ts) writes copies to D1
 * in batches. A known lead's copy also carries its account's report when that changed
 * (account-sync.ts): accounts are fed in the same batches.
 */
import * as z from "zod";
import type { Delivery, Reason } from "../../shared/api";
import type { AccountReport } from "../account/report";
import { type IndexedDelivery, type IndexedRulePoints, type LeadCopy, type TimedCopy, searchTraits, writeCopies } from "../lead-index";
import { log, reason } from "../log";
import { siteScoring, loadConfig } from "../settings";
import { accountReportOf } from "./account-sync";
import { sourceOf } from "./attribution";
import type { LeadContext } from "./context";
import type { LeadRow } from "./store";

/** A message of the index queue: a lead's copy, and its account's report when that changed. */
export type IndexMessage = TimedCopy & { account?: AccountReport };

/** A lead that has never sent a copy (new to the index): the changes within this long reach it as one copy. */
const INDEX_DELAY_MS = 1_000;
/**
 * A score that alone moved reaches the index this long after it moved, with every change made
 * meanwhile: the page views of a visit share one copy. Stage changes, feedback and deliveries go
 * at once; a score and last-seen time in the listing may lag by this much. Every copy costs a
 * queue message, D1 row writes and an alarm run: at 5 s apart an active visitor sent one nearly
 * every page view, and when the first change after a quiet spell went a second later (from the
 * object's own timer, backed by an alarm an hour on), a visit of a few pages sent two.
 */
const SCORE_COPY_AFTER_MS = 30_000;
/** A queue message holds at most 128 KB; a larger copy (a long backlog) is written to D1 directly. */
const QUEUE_MESSAGE_BYTES = 120_000;
const INDEX_RETRY_MS = 10_000;
/** A decaying lead's copy in the index is refreshed this often per half-life (30 d → ~4 days). */
const INDEX_REFRESHES_PER_HALF_LIFE = 8;

/**
 * Notes that the index needs a fresh copy: at once when `urgent` (a stage change, feedback, a
 * delivery to show), else later, batched with whatever follows. Call inside the change's block.
 */
export function touchIndex(lead: LeadContext, now: number, urgent = false): void {
  const row = lead.store.row();
  if (!row) return;
  const due = urgent ? now : now + (row.indexed_at > 0 ? SCORE_COPY_AFTER_MS : INDEX_DELAY_MS);
  // An earlier copy already owed carries this change too.
  if (row.index_due === null || row.index_due > due) lead.store.setIndexDue(due);
  // Always: an alarm lost to a crash or to retries running out is set again by the next change.
  lead.arm();
}

/**
 * Sends the index what changed since its last copy. While engagement decays, the copy is
 * refreshed now and then, so listings by score do not keep a quiet lead at its peak.
 */
export async function pushIndex(lead: LeadContext): Promise<void> {
  const row = lead.store.row();
  const now = Date.now();
  if (!row) return;
  const deliveries = lead.outbox.list({ updatedSince: row.indexed_at });
  const changes = lead.store.transitions(row.indexed_seq);
  const feedback = lead.store.feedbackAfter(row.indexed_feedback);
  const owed = (row.index_due !== null && row.index_due <= now) || changes.length > 0 || deliveries.length > 0 || feedback.length > 0;
  if (!owed) return;
  const { scoring } = siteScoring(loadConfig(lead.env), row.site);
  const result = row.forward_to ? null : lead.score.current(row, scoring, now);
  const copy: LeadCopy = {
    id: row.id,
    site: row.site,
    // A visitor that handed over no longer is a lead of its own: its row leaves the index.
    lead: result && {
      id: row.id,
      site: row.site,
      email: row.kind === "email" ? row.email : null,
      stage: row.stage,
      score: result.score,
      engagement: result.engagement,
      fit: result.fit,
      first_seen: row.first_seen,
      last_seen: row.last_seen,
      bot: lead.store.allEventsFlagged(),
      sql_at: row.sql_at,
      // By first touch: by_channel credits the channel that brought the lead.
      channel: sourceOf(row)?.first.channel ?? null,
      verified: row.verified === 1,
      ...searchTraits(JSON.parse(row.traits) as Record<string, unknown>),
    },
    changes: changes.map((c) => ({ sequence: c.sequence, from: c.from_stage, to: c.to_stage, at: c.at })),
    feedback: feedback.map((f) => ({
      id: f.id,
      outcome: f.outcome,
      reason: f.reason,
      amount: f.amount,
      at: f.at,
      sql_at: f.sql_at,
      // Feedback stored before its rules were kept is credited to the rules scoring the lead now.
      rules: withPoints(f.rules === null ? (result?.reasons ?? []) : (JSON.parse(f.rules) as Reason[])),
    })),
    deliveries: deliveries.map(toIndexedDelivery),
  };
  const report = result && accountReportOf(row, result.score, now);
  try {
    const message: IndexMessage = { at: now, copy, ...(report && { account: report.account }) };
    if (new TextEncoder().encode(JSON.stringify(message)).length <= QUEUE_MESSAGE_BYTES) await lead.env.INDEX_QUEUE.send(message);
    else {
      await writeCopies(lead.env.LEAD_INDEX, [message]);
      // The account's report still goes through the queue, with the lead's row alone.
      if (report) await lead.env.INDEX_QUEUE.send({ ...message, copy: { ...copy, changes: [], feedback: [], deliveries: [] } } satisfies IndexMessage);
    }
  } catch (error) {
    log("error", "index.update_failed", { lead: row.id, reason: reason(error), retry_in_ms: INDEX_RETRY_MS });
    lead.store.setIndexDue(now + INDEX_RETRY_MS);
    return;
  }
  const after = lead.store.row();
  // A lost copy that rewound the marks while this one was on its way (oweLostCopy): this copy was
  // built from the marks before the rewind, so it lacks what the lost one carried. The lower
  // marks stay, and the lead stays owed, so the next copy carries it all again.
  if (after && rewound(row, after)) {
    if (after.index_due === null) lead.store.setIndexDue(now);
    return;
  }
  // A change that landed while the copy was on its way keeps the lead owed.
  const changed = !after || after.last_seen !== row.last_seen || after.sequence !== row.sequence;
  const refresh = result && result.engagement !== 0 ? now + (scoring.half_life_days * 86_400_000) / INDEX_REFRESHES_PER_HALF_LIFE : null;
  if (report) lead.store.setAccountReport(report.signature);
  lead.store.markIndexed({
    due: changed ? (after?.index_due ?? now) : refresh,
    at: now,
    sequence: changes[changes.length - 1]?.sequence ?? row.indexed_seq,
    feedback: feedback[feedback.length - 1]?.id ?? row.indexed_feedback,
  });
}

/** Whether the index marks moved between `before` and `after` other than by this copy: a rewind. */
const rewound = (before: LeadRow, after: LeadRow): boolean =>
  after.indexed_seq !== before.indexed_seq ||
  after.indexed_feedback !== before.indexed_feedback ||
  after.indexed_at !== before.indexed_at ||
  after.account_report !== before.account_report;

/**
 * Owes the index a fresh copy after `lost`, a copy the queue gave up on (its dead-letter queue):
 * the next copy carries again the stage changes, feedback and deliveries the lost one did, and
 * the account's report. Sent after `delayMs` (see `nextRevival`), or sooner with the next change.
 */
export function oweLostCopy(lead: LeadContext, lost: IndexMessage, delayMs = 0): void {
  const row = lead.store.row();
  if (!row) return;
  const { copy } = lost;
  const now = Date.now();
  lead.transaction(() => {
    lead.store.markIndexed({
      due: row.index_due,
      at: Math.min(row.indexed_at, ...copy.deliveries.map((d) => d.updated_at)),
      sequence: Math.min(row.indexed_seq, ...copy.changes.map((c) => c.sequence - 1)),
      feedback: Math.min(row.indexed_feedback, ...copy.feedback.map((f) => f.id - 1)),
    });
    // No report signature matches an empty one: the next copy carries the report again.
    if (lost.account) lead.store.setAccountReport("");
    // A copy owed sooner (one not sent yet) keeps its time: it carries all of this too.
    const due = now + delayMs;
    if (row.index_due === null || row.index_due > due) lead.store.setIndexDue(due);
    lead.arm();
  });
}

/** A lead's revivals of lost copies within the last day, and whether it gave up for now. */
export const revivalsSchema = z.object({ at: z.array(z.number()), abandoned: z.boolean() });
export type Revivals = z.infer<typeof revivalsSchema>;

/**
 * How long a revived copy waits, by the number of revivals the day before it: a copy the index
 * keeps refusing (too large for D1, a poisoned row) is not sent again and again at once.
 */
const REVIVAL_DELAYS_MS = [0, 60_000, 600_000, 3_600_000, 3_600_000];
const REVIVAL_WINDOW_MS = 86_400_000;

/**
 * What a lead does with one more lost copy, given its revivals so far: send it again after
 * `delayMs`, or (null) give up until the day's revivals age out; `abandon` is true the first
 * time it gives up, to log it once.
 */
export function nextRevival(past: Revivals | undefined, now: number): { revivals: Revivals; delayMs: number | null; abandon: boolean } {
  const at = (past?.at ?? []).filter((t) => t > now - REVIVAL_WINDOW_MS);
  const delayMs = REVIVAL_DELAYS_MS[at.length];
  if (delayMs === undefined) return { revivals: { at, abandoned: true }, delayMs: null, abandon: past?.abandoned !== true };
  return { revivals: { at: [...at, now], abandoned: false }, delayMs, abandon: false };
}

/** A delivery of an outbox as the delivery log keeps it (a lead's, or an account's). */
export const toIndexedDelivery = (d: Delivery): IndexedDelivery => ({
  id: d.id,
  endpoint: d.endpoint,
  type: d.type,
  sequence: d.sequence,
  status: d.status,
  attempts: d.attempts.length,
  last_error: d.attempts[d.attempts.length - 1]?.error ?? null,
  updated_at: Date.parse(d.updated_at),
});

/** The rules that gave a score points, as the index keeps them. */
const withPoints = (reasons: readonly Reason[]): IndexedRulePoints[] =>
  reasons.filter((r) => r.points !== 0).map((r) => ({ rule: r.rule, points: r.points }));
