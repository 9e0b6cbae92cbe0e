/**
 * The stage machine's scoring half: the forward moves a score can make. Only sales feedback
 * moves a lead back or on to accepted/won/lost, and that is not decided here.
 */
import type { ScoringConfig, Stage } from "../config";

export interface StageInput {
  stage: Stage;
  identified: boolean;
  score: number;
  fit: number;
  qualifies: "mql" | "sql" | null;
  /** The rules that gave the lead points (a fit rule awards when its trait matches); none when absent. */
  awarded?: readonly string[];
}

type Qualified = "mql" | "sql";

// The stages scoring moves between; recycled ranks with known, since a lead sales sent back has
// to qualify again from there. accepted, won and lost are sales outcomes, out of scoring's reach.
const RANK = { anonymous: 0, known: 1, recycled: 1, mql: 2, sql: 3 } as const;

/**
 * Whether a lead has reached a stage's bar. A qualifying action for that stage (a rule's
 * `qualifies`) clears min_score, min_fit and require_fit, but require_identified holds whatever
 * the lead did. require_fit (SQL only) is BANT: each listed fit rule (a budget, an authority, a
 * timeline trait...) must have awarded before a score can make the lead SQL.
 */
function reached(stages: ScoringConfig["stages"], level: Qualified, input: StageInput): boolean {
  const bar = stages[level];
  if (bar.require_identified === true && !input.identified) return false;
  if (input.qualifies === level) return true;
  if (level === "sql" && !(stages.sql.require_fit ?? []).every((rule) => input.awarded?.includes(rule) === true)) return false;
  return input.score >= bar.min_score && input.fit >= (bar.min_fit ?? -Infinity);
}

/**
 * The forward moves scoring makes, in order; [] when nothing changes. An identified anonymous
 * lead becomes known first; then the lead goes straight to the highest stage it has reached,
 * one move even when that skips MQL. Stages never go backwards, and accepted, won and lost
 * (sales outcomes) are never moved.
 *
 * @example
 * nextStages(stages, { stage: "anonymous", identified: true, score: 45, fit: 10, qualifies: null });
 * // ["known", "mql"]
 */
export function nextStages(stages: ScoringConfig["stages"], input: StageInput): Stage[] {
  if (!Object.hasOwn(RANK, input.stage)) return [];
  let rank: number = RANK[input.stage as keyof typeof RANK];
  const moves: Stage[] = [];
  if (input.identified && input.stage === "anonymous") {
    moves.push("known");
    rank = RANK.known;
  }
  const target = reached(stages, "sql", input) ? "sql" : reached(stages, "mql", input) ? "mql" : null;
  if (target !== null && RANK[target] > rank) moves.push(target);
  return moves;
}
