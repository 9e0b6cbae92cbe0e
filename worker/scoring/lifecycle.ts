/**
 * Every stage move a lead can make, as pure decisions: forward moves from its score (through
 * `nextStages`) and the moves sales feedback makes. The Lead object stores what these return.
 */
import type { Reason } from "../../shared/api";
import type { LeadEventType, ScoringConfig, Stage } from "../config";
import type { ScoreResult } from "./engine";
import { nextStages } from "./stages";

export const FEEDBACK_OUTCOMES = ["accepted", "rejected", "won", "lost"] as const;
export type FeedbackOutcome = (typeof FEEDBACK_OUTCOMES)[number];

/** Where sales feedback may take a lead from, and to. Rejected is the only way back. */
const FEEDBACK_MOVES: Record<FeedbackOutcome, { from: readonly Stage[]; to: Stage }> = {
  accepted: { from: ["mql", "sql"], to: "accepted" },
  rejected: { from: ["mql", "sql", "accepted"], to: "recycled" },
  won: { from: ["sql", "accepted"], to: "won" },
  lost: { from: ["sql", "accepted"], to: "lost" },
};

/**
 * The stage sales feedback moves a lead to, or why it cannot.
 *
 * @example
 * feedbackMove("sql", "won")      // { ok: true, to: "won" }
 * feedbackMove("won", "accepted") // { ok: false, message: 'a lead in stage "won" cannot be marked accepted: ...' }
 */
export function feedbackMove(stage: Stage, outcome: FeedbackOutcome): { ok: true; to: Stage } | { ok: false; message: string } {
  const move = FEEDBACK_MOVES[outcome];
  if (move.from.includes(stage)) return { ok: true, to: move.to };
  return { ok: false, message: `a lead in stage "${stage}" cannot be marked ${outcome}: that applies to ${move.from.join(", ")}` };
}

/**
 * The forward moves a lead's score makes. Only a known lead moves: an anonymous visitor reaches
 * MQL or SQL through the known lead it identifies as, so no stage and no alert counts twice.
 * `qualifying` is the score that counts for qualification: for a lead sales sent back
 * (recycled), only what it did after that.
 */
export function scoreMoves(
  stages: ScoringConfig["stages"],
  lead: { kind: "visitor" | "email"; stage: Stage },
  qualifying: Pick<ScoreResult, "score" | "fit" | "qualifies"> & { reasons?: readonly Reason[] },
): Stage[] {
  if (lead.kind !== "email") return [];
  return nextStages(stages, {
    stage: lead.stage,
    identified: true,
    score: qualifying.score,
    fit: qualifying.fit,
    qualifies: qualifying.qualifies,
    awarded: qualifying.reasons?.map((reason) => reason.rule),
  });
}

/** The webhook event that announces a move to `to`: `lead.identified` for known, else `lead.<to>`. */
export function alertType(to: Stage): LeadEventType | null {
  if (to === "known") return "lead.identified";
  if (to === "anonymous") return null;
  return `lead.${to}`;
}
