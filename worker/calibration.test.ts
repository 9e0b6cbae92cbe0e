import { describe, expect, it } from "vitest";
import { type FeedbackFact, calibrate, feedbackSummary, groupReasons, percentile } from "./calibration";

const D = 86_400_000;
const M = 60_000;
const RANGE = { from: 0, to: 100 * D };

let counter = 0;
const fact = (lead: string, outcome: FeedbackFact["outcome"], at: number, rest: Partial<FeedbackFact> = {}): FeedbackFact => ({
  lead,
  id: ++counter,
  outcome,
  reason: null,
  amount: null,
  at,
  sql_at: null,
  rules: [],
  first_seen: 0,
  ...rest,
});

/**
 * Eight leads, worked out by hand below. The range is [0, 100 days).
 * L1 SQL → accepted after 30 min → won on day 21 (12,000).   L2 SQL → rejected after 600 min.
 * L3 SQL → lost after 60 min (never accepted).              L4 MQL → accepted → lost.
 * L5 SQL → won after 120 min, first seen on day 1.          L6 accepted before the range, won in it (8,000).
 * L7 feedback only after the range.                         L8 rejected, recycled, SQL again, accepted after 5 min.
 */
const FACTS: FeedbackFact[] = [
  fact("L1", "accepted", D + 30 * M, { sql_at: D, rules: ["pricing-revisit", "business-email"] }),
  fact("L1", "won", 21 * D, { sql_at: D, amount: 12_000, rules: ["pricing-revisit", "business-email"] }),
  fact("L2", "rejected", 2 * D + 600 * M, { sql_at: 2 * D, reason: "No budget", rules: ["pricing-revisit", "free-email"] }),
  fact("L3", "lost", 3 * D + 60 * M, { sql_at: 3 * D, reason: " no  BUDGET ", rules: ["business-email"] }),
  fact("L4", "accepted", 4 * D, { rules: ["pricing-revisit", "business-email"] }),
  fact("L4", "lost", 10 * D, { reason: "went with a competitor", rules: ["pricing-revisit", "business-email"] }),
  fact("L5", "won", 5 * D + 120 * M, { sql_at: 5 * D, first_seen: D, rules: ["demo-request"] }),
  fact("L6", "accepted", -D, { sql_at: -2 * D, first_seen: -10 * D, rules: ["pricing-revisit"] }),
  fact("L6", "won", 30 * D, { sql_at: -2 * D, first_seen: -10 * D, amount: 8_000, rules: ["pricing-revisit", "senior-title"] }),
  fact("L7", "rejected", 150 * D, { sql_at: 149 * D, reason: "spam", rules: ["careers"] }),
  fact("L8", "rejected", 20 * D, { sql_at: 15 * D, reason: "Student", rules: ["free-email"] }),
  fact("L8", "accepted", 40 * D + 5 * M, { sql_at: 40 * D, rules: ["pricing-revisit"] }),
];

describe("percentiles", () => {
  it("are nearest-rank on the sorted values, null with no value", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 90)).toBe(5);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe("feedback reasons", () => {
  it("are grouped whatever their case and spacing, most given first, empty ones left out", () => {
    expect(groupReasons(["Student", "No budget", " no  BUDGET ", null, "  ", "no budget"])).toEqual({ "no budget": 3, student: 1 });
    expect(Object.keys(groupReasons(["b", "a", "b"]))).toEqual(["b", "a"]);
  });
});

describe("feedback and sales numbers", () => {
  it("match the hand-computed fixture", () => {
    expect(feedbackSummary(FACTS, RANGE, 4)).toEqual({
      // accepted: L1 L4 L8 · rejected: L2 L8 · won: L1 L5 L6 · lost: L3 L4 (L6's acceptance and L7 are outside)
      feedback: { accepted: 3, rejected: 2, won: 3, lost: 2, reasons: { "no budget": 2, student: 1, "went with a competitor": 1 } },
      sales: {
        close_rate: 0.6, // 3 / (3 + 2)
        deal_size_avg: 10_000, // (12,000 + 8,000) / 2; L5's win has no amount
        cycle_days_p50: 21, // of 4.08 (L5), 21 (L1), 40 (L6)
        // First feedback after each SQL: 30, 600, 60, 120, 7200 (L8's rejection), 5 (L8's acceptance after re-qualifying)
        feedback_minutes_p50: 60,
        feedback_minutes_p90: 7_200,
        open_over_sla: 4,
      },
    });
  });

  it("are null or zero when no lead has feedback in the range", () => {
    expect(feedbackSummary(FACTS, { from: 200 * D, to: 300 * D }, 0)).toEqual({
      feedback: { accepted: 0, rejected: 0, won: 0, lost: 0, reasons: {} },
      sales: { close_rate: null, deal_size_avg: null, cycle_days_p50: null, feedback_minutes_p50: null, feedback_minutes_p90: null, open_over_sla: 0 },
    });
  });
});

describe("per-rule calibration", () => {
  it("gives each rule's acceptance and lift as worked out by hand", () => {
    // Verdicts: accepted L1 L4 L5 L6 L8, rejected L2 L3 (L3 lost without being accepted): 5 of 7.
    expect(calibrate(FACTS, RANGE)).toEqual({
      baseline: { leads: 7, accepted_rate: 0.714, won_rate: 0.429 },
      rules: [
        // L1 L2 L4 L6 L8: 4 accepted → 0.8; 0.8 / (5/7) = 1.12
        { rule: "pricing-revisit", leads: 5, accepted: 4, rejected: 1, won: 2, lost: 1, accepted_rate: 0.8, lift: 1.12 },
        // L1 L3 L4: 2 accepted → 2/3; (2/3) / (5/7) = 14/15
        { rule: "business-email", leads: 3, accepted: 2, rejected: 1, won: 1, lost: 2, accepted_rate: 0.667, lift: 0.933 },
        // L2 L8 → 0.5; 0.5 / (5/7) = 0.7
        { rule: "free-email", leads: 2, accepted: 1, rejected: 1, won: 0, lost: 0, accepted_rate: 0.5, lift: 0.7 },
        { rule: "demo-request", leads: 1, accepted: 1, rejected: 0, won: 1, lost: 0, accepted_rate: 1, lift: 1.4 },
        { rule: "senior-title", leads: 1, accepted: 1, rejected: 0, won: 1, lost: 0, accepted_rate: 1, lift: 1.4 },
      ],
    });
  });

  it("a lead lost straight from SQL counts as rejected; one won straight from SQL as accepted", () => {
    const facts = [fact("A", "lost", D, { sql_at: 0, rules: ["x"] }), fact("B", "won", D, { sql_at: 0, rules: ["y"] })];
    const { rules } = calibrate(facts, RANGE);
    expect(rules.find((r) => r.rule === "x")).toMatchObject({ accepted: 0, rejected: 1, lost: 1, accepted_rate: 0 });
    expect(rules.find((r) => r.rule === "y")).toMatchObject({ accepted: 1, rejected: 0, won: 1, accepted_rate: 1 });
  });

  it("has no lift when sales accepted no lead at all", () => {
    const { baseline, rules } = calibrate([fact("A", "rejected", D, { rules: ["x"] })], RANGE);
    expect(baseline).toEqual({ leads: 1, accepted_rate: 0, won_rate: 0 });
    expect(rules).toEqual([{ rule: "x", leads: 1, accepted: 0, rejected: 1, won: 0, lost: 0, accepted_rate: 0, lift: null }]);
  });

  it("is empty when no lead has feedback", () => {
    expect(calibrate([], RANGE)).toEqual({ baseline: { leads: 0, accepted_rate: null, won_rate: null }, rules: [] });
  });
});
