/**
 * The what-if answer from per-lead previews: stage counts before and after, the leads that would
 * move, and every rule's reach under both rule sets. Pure: previews in, answer out.
 */
import type { PreviewAnswer, PreviewMove, PreviewRule } from "../../shared/api";
import { INTENT_CLASSES, STAGES, type ScoringConfig, type Stage } from "../config";
import type { LeadPreview } from "../lead/preview";

/** The answer lists at most this many moves. */
export const MAX_MOVES = 100;

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * The rule ids of scoring configs in the order a score explains itself: engagement rules,
 * intent classes that carry points, then fit rules; each id once.
 *
 * @example
 * ruleOrder([candidate.scoring]) // ["page-view", "pricing-visit", ..., "intent:decision", "business-email", ...]
 */
export function ruleOrder(scorings: readonly ScoringConfig[]): string[] {
  const ids = scorings.flatMap((s) => [
    ...s.engagement.map((r) => r.id),
    ...INTENT_CLASSES.filter((c) => s.intent[c] !== 0).map((c) => `intent:${c}`),
    ...s.fit.map((r) => r.id),
  ]);
  return [...new Set(ids)];
}

/**
 * Sums the previews into the answer. `order` lists the candidate's rules (see `ruleOrder`): each
 * gets a row even when it gave no lead a point, which is how a rule that matches nothing shows;
 * rules only the rules in force used follow, as first met.
 */
export function summarize(previews: readonly LeadPreview[], sampled: boolean, order: readonly string[]): PreviewAnswer {
  const before = new Map<Stage, number>();
  const after = new Map<Stage, number>();
  const rules = new Map<string, PreviewRule>(
    order.map((rule) => [rule, { rule, leads_before: 0, leads_after: 0, points_before: 0, points_after: 0 }]),
  );
  const row = (rule: string): PreviewRule => {
    let entry = rules.get(rule);
    if (!entry) rules.set(rule, (entry = { rule, leads_before: 0, leads_after: 0, points_before: 0, points_after: 0 }));
    return entry;
  };

  for (const lead of previews) {
    before.set(lead.stage_before, (before.get(lead.stage_before) ?? 0) + 1);
    after.set(lead.stage_after, (after.get(lead.stage_after) ?? 0) + 1);
    for (const { rule, points } of lead.reasons_before) {
      const entry = row(rule);
      entry.leads_before++;
      entry.points_before += points;
    }
    for (const { rule, points } of lead.reasons_after) {
      const entry = row(rule);
      entry.leads_after++;
      entry.points_after += points;
    }
  }

  // Both sides name the same stages, in lifecycle order, so a client can read them as columns.
  const named = STAGES.filter((stage) => before.has(stage) || after.has(stage));
  const moves: PreviewMove[] = previews
    .filter((lead) => lead.stage_after !== lead.stage_before)
    .sort((a, b) => change(b) - change(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, MAX_MOVES)
    .map((lead) => ({
      lead: lead.id,
      email: lead.email,
      from: lead.stage_before,
      to: lead.stage_after,
      score_before: lead.score_before,
      score_after: lead.score_after,
    }));

  return {
    leads: previews.length,
    sampled,
    stages: {
      before: Object.fromEntries(named.map((stage) => [stage, before.get(stage) ?? 0])),
      after: Object.fromEntries(named.map((stage) => [stage, after.get(stage) ?? 0])),
    },
    moves,
    rules: [...rules.values()].map((r) => ({ ...r, points_before: round1(r.points_before), points_after: round1(r.points_after) })),
  };
}

const change = (lead: LeadPreview) => Math.abs(lead.score_after - lead.score_before);
