/**
 * Rows of a Lead object mapped to the shapes of shared/api.ts, field by field: what leaves in a
 * webhook or an API answer is exactly what those types say.
 */
import type { AlertEvent, EventView, LeadRecord, LeadSnapshot, TransitionView } from "../../shared/api";
import type { ScoreResult } from "../scoring/engine";
import { sourceOf } from "./attribution";
import type { EventRow, LeadRow, StoredEvent, TransitionRow } from "./store";

const iso = (ms: number) => new Date(ms).toISOString();

export function toSnapshot(lead: LeadRow, score: Pick<ScoreResult, "score" | "engagement" | "fit">): LeadSnapshot {
  return {
    id: lead.id,
    email: lead.kind === "email" ? lead.email : null,
    traits: JSON.parse(lead.traits) as Record<string, unknown>,
    stage: lead.stage,
    score: score.score,
    engagement: score.engagement,
    fit: score.fit,
    sequence: lead.sequence,
    first_seen: iso(lead.first_seen),
    last_seen: iso(lead.last_seen),
    verified: lead.verified === 1,
    source: sourceOf(lead),
  };
}

export function toRecord(snapshot: LeadSnapshot, extra: Omit<LeadRecord, keyof LeadSnapshot>): LeadRecord {
  return { ...snapshot, site: extra.site, visitors: extra.visitors, bot: extra.bot, events_total: extra.events_total };
}

export function toEventView(row: EventRow | StoredEvent): EventView {
  return { ...toAlertEvent(row), visitor: row.visitor };
}

export function toAlertEvent(row: EventRow | StoredEvent): AlertEvent {
  return {
    id: row.id,
    type: row.type,
    ...(row.name !== null && { name: row.name }),
    ...(row.url !== null && { url: row.url }),
    ...(row.ref !== null && { ref: row.ref }),
    ...(row.title !== null && { title: row.title }),
    ...(row.props !== null && { props: JSON.parse(row.props) as unknown }),
    ts: row.ts,
    received_at: iso(row.received_at),
    bot: row.bot,
    ...(row.claimed === 1 && { claimed: true as const }),
  };
}

export function toTransitionView(t: TransitionRow): TransitionView {
  return { sequence: t.sequence, from: t.from_stage, to: t.to_stage, at: iso(t.at), score: t.score, reasons: JSON.parse(t.reasons), cause: t.cause };
}
