/**
 * Closing the loop: what sales feedback says about the leads and the rules that scored them.
 * Pure: takes the feedback rows the lead index holds, returns the numbers `GET /v1/stats`
 * (`feedback`, `sales`) and `GET /v1/stats/rules` answer with.
 *
 * Definitions (the README's calibration section says the same to users):
 * - A lead *has feedback in the range* when sales gave it any feedback in [from, to).
 * - Its *verdict* reads all its feedback before `to`: it counts as **accepted** when sales
 *   accepted it at some point, or won it (a deal closed is acceptance, even straight from SQL);
 *   otherwise as **rejected** (rejected, or lost without ever being accepted: sales did not take
 *   it on). So `accepted + rejected = leads`; `won` and `lost` count leads closed either way.
 * - A rule *gave points* to a lead when it had non-zero points in the lead's score when feedback
 *   was given (any of its feedback before `to`).
 * - Percentiles are nearest-rank on the sorted values; null when there is no value.
 */
import { type Config, type ScoringConfig, durationMs, scoringFor } from "./config";
import type { FeedbackOutcome } from "./scoring/lifecycle";

/** One piece of sales feedback on one lead, as the lead index keeps it. */
export interface FeedbackFact {
  lead: string;
  /** The lead's own feedback counter: orders one lead's feedback. */
  id: number;
  outcome: FeedbackOutcome;
  reason: string | null;
  /** The deal size, given with `won`. */
  amount: number | null;
  at: number;
  /** When the lead became SQL in the qualification this feedback judges; null when it never did. */
  sql_at: number | null;
  /** The rules with non-zero points in the lead's score when the feedback was given. */
  rules: readonly string[];
  /** When the lead was first seen; null when the index no longer has the lead. */
  first_seen: number | null;
}

/** [from, to) in ms. */
export interface Range {
  from: number;
  to: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;
const roundOrNull = (value: number | null, decimals: number) => (value === null ? null : round(value, decimals));

/** `part / whole` to 3 decimals, or null when `whole` is 0. */
export const rate = (part: number, whole: number): number | null => (whole === 0 ? null : round(part / whole, 3));

/**
 * The nearest-rank percentile: the smallest value with at least `p`% of the values at or below it.
 *
 * @example
 * percentile([5, 1, 3, 2, 4], 50) // 3
 * percentile([5, 1, 3, 2, 4], 90) // 5
 * percentile([], 50)              // null
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Sales type reasons by hand: "No budget", "no budget " and "NO  BUDGET" are one reason. */
export const reasonKey = (reason: string): string => reason.trim().replace(/\s+/g, " ").toLowerCase();

/**
 * How often each reason was given, grouped case-insensitively, most given first.
 *
 * @example
 * groupReasons(["No budget", " no budget", "Student", null]) // { "no budget": 2, "student": 1 }
 */
export function groupReasons(reasons: readonly (string | null)[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const reason of reasons) {
    const key = reason === null ? "" : reasonKey(reason);
    if (key !== "") counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const ordered = [...counts].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(ordered);
}

const inRange = (fact: FeedbackFact, range: Range) => fact.at >= range.from && fact.at < range.to;

/** The facts of each lead with feedback in the range, each lead's facts in order, up to `to`. */
function byLead(facts: readonly FeedbackFact[], range: Range): Map<string, FeedbackFact[]> {
  const judged = new Set(facts.filter((f) => inRange(f, range)).map((f) => f.lead));
  const leads = new Map<string, FeedbackFact[]>();
  for (const fact of facts) {
    if (!judged.has(fact.lead) || fact.at >= range.to) continue;
    const list = leads.get(fact.lead) ?? [];
    list.push(fact);
    leads.set(fact.lead, list);
  }
  for (const list of leads.values()) list.sort((a, b) => a.id - b.id);
  return leads;
}

export interface FeedbackCounts {
  accepted: number;
  rejected: number;
  won: number;
  lost: number;
  reasons: Record<string, number>;
}

export interface SalesNumbers {
  close_rate: number | null;
  deal_size_avg: number | null;
  cycle_days_p50: number | null;
  feedback_minutes_p50: number | null;
  feedback_minutes_p90: number | null;
  open_over_sla: number;
}

/**
 * `feedback` and `sales` of `GET /v1/stats`. `facts` holds the feedback before `to` of the leads
 * with feedback in the range (earlier feedback tells which feedback came first after SQL);
 * `openOverSla` is counted from the index's open SQL leads.
 *
 * - feedback: leads given each outcome in the range; reasons given in the range (any outcome).
 * - close_rate: won / (won + lost) of those leads. deal_size_avg: mean amount of the wins in the
 *   range that carry one. cycle_days_p50: first seen → won, in days, of the wins in the range.
 * - feedback_minutes: becoming SQL → the first feedback after it, for first feedback in the range.
 */
export function feedbackSummary(
  facts: readonly FeedbackFact[],
  range: Range,
  openOverSla: number,
): { feedback: FeedbackCounts; sales: SalesNumbers } {
  const leads = byLead(facts, range);
  const given = (outcome: FeedbackOutcome) =>
    new Set(facts.filter((f) => f.outcome === outcome && inRange(f, range)).map((f) => f.lead)).size;
  const won = given("won");
  const lost = given("lost");
  const inside = [...leads.values()].flat().filter((f) => inRange(f, range));
  const wins = inside.filter((f) => f.outcome === "won");
  const amounts = wins.flatMap((f) => (f.amount === null ? [] : [f.amount]));
  const cycles = wins.flatMap((f) => (f.first_seen === null ? [] : [(f.at - f.first_seen) / DAY_MS]));
  const waits = [...leads.values()].flatMap((list) =>
    list.flatMap((f, index) => {
      // The first feedback after becoming SQL: the one before it judged an earlier qualification.
      const first = f.sql_at !== null && list[index - 1]?.sql_at !== f.sql_at;
      return first && inRange(f, range) && f.sql_at !== null ? [(f.at - f.sql_at) / MINUTE_MS] : [];
    }),
  );
  return {
    feedback: {
      accepted: given("accepted"),
      rejected: given("rejected"),
      won,
      lost,
      reasons: groupReasons(inside.map((f) => f.reason)),
    },
    sales: {
      close_rate: rate(won, won + lost),
      deal_size_avg: amounts.length === 0 ? null : round(amounts.reduce((sum, a) => sum + a, 0) / amounts.length, 2),
      cycle_days_p50: roundOrNull(percentile(cycles, 50), 1),
      feedback_minutes_p50: roundOrNull(percentile(waits, 50), 1),
      feedback_minutes_p90: roundOrNull(percentile(waits, 90), 1),
      open_over_sla: openOverSla,
    },
  };
}

export interface RuleCalibration {
  rule: string;
  leads: number;
  accepted: number;
  rejected: number;
  won: number;
  lost: number;
  accepted_rate: number | null;
  /** accepted_rate / the baseline's; null when the baseline's is 0. */
  lift: number | null;
}

export interface Calibration {
  baseline: { leads: number; accepted_rate: number | null; won_rate: number | null };
  rules: RuleCalibration[];
}

interface Verdict {
  accepted: boolean;
  won: boolean;
  lost: boolean;
  rules: Set<string>;
}

/**
 * `GET /v1/stats/rules`: for every rule that gave points to leads with feedback in the range,
 * how often sales accepted those leads against all of them (lift), rules with the most leads first.
 *
 * @example
 * calibrate(facts, { from, to }).rules[0] // { rule: "pricing-revisit", leads: 20, accepted: 18, rejected: 2, won: 7, lost: 3, accepted_rate: 0.9, lift: 1.27 }
 */
export function calibrate(facts: readonly FeedbackFact[], range: Range): Calibration {
  const verdicts: Verdict[] = [...byLead(facts, range).values()].map((list) => ({
    accepted: list.some((f) => f.outcome === "accepted" || f.outcome === "won"),
    won: list.some((f) => f.outcome === "won"),
    lost: list.some((f) => f.outcome === "lost"),
    rules: new Set(list.flatMap((f) => f.rules)),
  }));
  const count = (list: Verdict[], pick: (v: Verdict) => boolean) => list.filter(pick).length;
  const accepted = count(verdicts, (v) => v.accepted);
  // Unrounded, so a lift is not skewed by the baseline's rounding.
  const baselineRate = verdicts.length === 0 ? 0 : accepted / verdicts.length;

  const rules = [...new Set(verdicts.flatMap((v) => [...v.rules]))].map((rule): RuleCalibration => {
    const mine = verdicts.filter((v) => v.rules.has(rule));
    const yes = count(mine, (v) => v.accepted);
    return {
      rule,
      leads: mine.length,
      accepted: yes,
      rejected: mine.length - yes,
      won: count(mine, (v) => v.won),
      lost: count(mine, (v) => v.lost),
      accepted_rate: rate(yes, mine.length),
      lift: baselineRate === 0 ? null : round(yes / mine.length / baselineRate, 3),
    };
  });
  rules.sort((a, b) => b.leads - a.leads || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  return {
    baseline: { leads: verdicts.length, accepted_rate: rate(accepted, verdicts.length), won_rate: rate(count(verdicts, (v) => v.won), verdicts.length) },
    rules,
  };
}

/**
 * Per site, the latest SQL time whose SLA has run out by `now` (now − stages.sql.sla), or null
 * when the site has no SLA; `others` is the default rules', for leads of sites no longer configured.
 */
export interface SlaCutoffs {
  sites: ReadonlyMap<string, number | null>;
  others: number | null;
}

/**
 * What `open_over_sla` compares each SQL lead's time with.
 *
 * @example
 * slaCutoffs(config, now) // { sites: Map { "pk_demo" => now - 4h }, others: now - 4h }
 */
export function slaCutoffs(config: Config, now: number): SlaCutoffs {
  const cutoff = (scoring: ScoringConfig) => {
    const sla = scoring.stages.sql.sla;
    return sla === undefined ? null : now - durationMs(sla);
  };
  return { sites: new Map(config.sites.map((site) => [site.key, cutoff(scoringFor(config, site))])), others: cutoff(config.scoring) };
}
