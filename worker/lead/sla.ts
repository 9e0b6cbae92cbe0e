/**
 * Speed to lead: sales owes feedback on an SQL within `stages.sql.sla` (e.g. "4h").
 *
 * - When a lead becomes SQL, the time its alert is owed is stored with it (the SLA in force at
 *   that moment applies; changing the config later does not move a clock already running), and
 *   the one alarm points at it like at any other owed work.
 * - Any feedback stops the clock. So does nothing else: only feedback moves a lead out of SQL.
 * - When the due time comes first, one `lead.sla_missed` alert is queued in the outbox, and the
 *   due time is cleared in the same block: it goes out once, however often the alarm runs.
 *
 * The alert is not a stage change (from and to are both "sql"), so it writes no transition. It
 * still takes the next number of the lead's `sequence`, the counter receivers order alerts by:
 * it sorts after the lead.sql that started the clock and before whatever sales does next, and it
 * never shares an (endpoint, sequence) pair, the outbox's key, with another alert. The lead's
 * stage log therefore skips that number.
 */
import { type Config, type ScoringConfig, durationMs } from "../config";
import { siteScoring } from "../settings";
import type { LeadContext } from "./context";
import type { LeadRow } from "./store";
import { toAlertEvent, toSnapshot } from "./view";

/** How many of its latest events the alert carries, like a stage change's. */
const RECENT_EVENTS = 10;

/** The lead just became SQL: start its clock. Call in the block that stored the move. */
export function startSqlClock(lead: LeadContext, scoring: ScoringConfig, now: number): void {
  const sla = scoring.stages.sql.sla;
  lead.store.setSqlClock(now, sla === undefined ? null : now + durationMs(sla));
  lead.arm();
}

/** Sales gave feedback: no alert is owed any more; a lead sent back is no longer SQL. */
export function stopSqlClock(lead: LeadContext, row: LeadRow, sentBack: boolean): void {
  lead.store.setSqlClock(sentBack ? null : row.sql_at, null);
}

/**
 * Queues the lead.sla_missed alert when the lead's SLA has passed with no feedback. Returns
 * whether it did. Runs in its own transaction: the alert and the cleared due time are stored
 * together or not at all.
 */
export function missSlaIfDue(lead: LeadContext, config: Config, now: number): boolean {
  return lead.transaction(() => {
    const row = lead.store.row();
    if (!row || row.sla_due === null || row.sla_due > now) return false;
    lead.store.setSlaDue(null);
    // Feedback stops the clock before a lead leaves SQL; this only guards a hand-edited row.
    if (row.stage !== "sql" || row.forward_to) return false;
    const result = lead.score.current(row, siteScoring(config, row.site).scoring, now);
    const sequence = row.sequence + 1;
    lead.store.setStage(row.stage, sequence);
    lead.outbox.enqueue(
      config.webhooks,
      [
        {
          type: "lead.sla_missed",
          sequence,
          at: now,
          // Not a visit: the snapshot keeps when the lead was really last seen.
          lead: toSnapshot({ ...row, sequence }, result),
          from: "sql",
          to: "sql",
          reasons: result.reasons,
          recent: lead.store.latestEvents(RECENT_EVENTS).reverse().map(toAlertEvent),
          dashboard_url: row.collector_url ? `${row.collector_url}/dashboard#lead=${row.id}` : null,
        },
      ],
      now,
    );
    lead.arm();
    return true;
  });
}
