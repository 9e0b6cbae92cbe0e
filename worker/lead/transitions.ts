/**
 * Writing stage moves: the lead's stage, one log row per move, and one outbox row per alert and
 * endpoint, all in the caller's synchronous block, so they are stored together or not at all.
 */
import type { Config, Stage } from "../config";
import type { ScoreResult } from "../scoring/engine";
import { alertType } from "../scoring/lifecycle";
import { type Alert, RULES_CHANGED } from "../webhooks/payload";
import type { LeadContext } from "./context";
import type { LeadRow } from "./store";
import { toAlertEvent, toSnapshot } from "./view";

/** How many of its latest events an alert carries. */
const RECENT_EVENTS = 10;

/** Stores `moves` (in order) and the alerts they owe. Call inside a transaction. */
export function applyMoves(
  lead: LeadContext,
  config: Config,
  row: LeadRow,
  moves: readonly Stage[],
  result: ScoreResult,
  now: number,
  cause: string,
): void {
  if (moves.length === 0) return;
  let stage = row.stage;
  let sequence = row.sequence;
  const alerts: Alert[] = [];
  const recent = lead.store.latestEvents(RECENT_EVENTS).reverse().map(toAlertEvent);
  for (const to of moves) {
    sequence++;
    lead.store.insertTransition({
      sequence,
      from_stage: stage,
      to_stage: to,
      at: now,
      score: result.score,
      engagement: result.engagement,
      fit: result.fit,
      reasons: JSON.stringify(result.reasons),
      cause,
    });
    const type = alertType(to);
    if (type) {
      alerts.push({
        type,
        sequence,
        at: now,
        // A rules change is not a visit: the alert keeps when the lead was really last seen.
        lead: toSnapshot({ ...row, stage: to, sequence, last_seen: cause === RULES_CHANGED ? row.last_seen : now }, result),
        from: stage,
        to,
        reasons: result.reasons,
        recent,
        dashboard_url: row.collector_url ? `${row.collector_url}/dashboard#lead=${row.id}` : null,
        ...(cause === RULES_CHANGED && { cause: RULES_CHANGED }),
      });
    }
    stage = to;
  }
  lead.store.setStage(stage, sequence);
  lead.outbox.enqueue(config.webhooks, alerts, now);
  lead.arm();
}
