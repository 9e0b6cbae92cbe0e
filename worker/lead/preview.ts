/**
 * What-if for one lead: its score and stage under the rules in force and under candidate rules,
 * replayed from its stored history. Read-only by construction: it only reads the store and the
 * pure engine, never writes a row, moves a stage, queues an alert or sets the alarm.
 */
import type { ScoringConfig, Stage } from "../config";
import { type ScoreResult, type ScoredEvent, compileScoring, rescore } from "../scoring/engine";
import { scoreMoves } from "../scoring/lifecycle";
import { loadConfig, siteScoring } from "../settings";
import type { LeadContext } from "./context";
import { type EventRow, toScored } from "./store";
import { traitsOf } from "./score";

/** A rule's share of a score: only rules that gave points (after rounding) are listed. */
export interface RulePoints {
  rule: string;
  points: number;
}

export interface LeadPreview {
  id: string;
  email: string | null;
  stage_before: Stage;
  /** Forward-only from the stored stage, as a real rescore would move it. */
  stage_after: Stage;
  score_before: number;
  score_after: number;
  reasons_before: RulePoints[];
  reasons_after: RulePoints[];
}

/** The lead under the rules in force and under `candidate`; null when this object holds no known lead. */
export function previewLead(lead: Pick<LeadContext, "env" | "store" | "score">, candidate: ScoringConfig): LeadPreview | null {
  const row = lead.store.row();
  if (!row || row.forward_to || row.kind !== "email") return null;
  // The lead's own clock, as its rescore uses: receive times never run backwards for it.
  const now = Math.max(Date.now(), row.last_seen);
  const before = lead.score.current(row, siteScoring(loadConfig(lead.env), row.site).scoring, now);
  // A full replay of its own: the object's running fold belongs to the rules in force, and
  // compiled once per call, not cached, since every call brings its own copy of the candidate.
  const after = rescore(compileScoring(candidate), scored(lead.store.history()), traitsOf(row), now);
  const qualifying = row.stage === "recycled" && row.recycled_at !== null ? lead.score.since(row, candidate, row.recycled_at, now) : after;
  const moves = scoreMoves(candidate.stages, row, qualifying);
  return {
    id: row.id,
    email: row.email,
    stage_before: row.stage,
    stage_after: moves[moves.length - 1] ?? row.stage,
    score_before: before.score,
    score_after: after.score,
    reasons_before: pointsOf(before),
    reasons_after: pointsOf(after),
  };
}

function* scored(rows: Iterable<EventRow>): Generator<ScoredEvent> {
  for (const row of rows) yield toScored(row);
}

const pointsOf = (result: ScoreResult): RulePoints[] =>
  result.reasons.filter((r) => r.points !== 0).map((r) => ({ rule: r.rule, points: r.points }));
