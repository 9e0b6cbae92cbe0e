import { describe, expect, it } from "vitest";
import { type ScoringConfig, parseConfig } from "../config";
import type { LeadPreview } from "../lead/preview";
import { MAX_MOVES, ruleOrder, summarize } from "./summary";

const lead = (id: string, change: Partial<LeadPreview> = {}): LeadPreview => ({
  id,
  email: `${id}@acme.io`,
  stage_before: "known",
  stage_after: "known",
  score_before: 10,
  score_after: 10,
  reasons_before: [],
  reasons_after: [],
  ...change,
});

const scoring: ScoringConfig = parseConfig({
  sites: [{ key: "pk_a", name: "A", origins: ["https://a.test"] }],
  scoring: {
    engagement: [
      { id: "pricing", on: "page_view", path: "/pricing*", points: 5 },
      { id: "demo", on: "track", name: "demo_request", points: 30 },
    ],
    fit: [{ id: "business", trait: "email", free_email: false, points: 10 }],
    intent: { decision: 10 },
    stages: { mql: { min_score: 40 }, sql: { min_score: 80 } },
  },
}).scoring;

describe("what-if summary", () => {
  it("counts stages before and after under the same stage names, in lifecycle order", () => {
    const answer = summarize([lead("a", { stage_after: "mql" }), lead("b", { stage_before: "sql", stage_after: "sql" })], false, []);
    expect(answer.stages).toEqual({ before: { known: 1, mql: 0, sql: 1 }, after: { known: 0, mql: 1, sql: 1 } });
    expect(Object.keys(answer.stages.before)).toEqual(["known", "mql", "sql"]);
    expect(answer).toMatchObject({ leads: 2, sampled: false });
  });

  it("lists only leads that would move, biggest score change first, at most 100", () => {
    const small = lead("small", { stage_after: "mql", score_before: 38, score_after: 41 });
    const drop = lead("drop", { stage_after: "mql", score_before: 90, score_after: 40 });
    const big = lead("big", { stage_after: "sql", score_before: 20, score_after: 95 });
    const still = lead("still", { score_after: 200 });
    expect(summarize([small, drop, still, big], false, []).moves.map((m) => m.lead)).toEqual(["big", "drop", "small"]);
    expect(summarize([big], false, []).moves[0]).toEqual({ lead: "big", email: "big@acme.io", from: "known", to: "sql", score_before: 20, score_after: 95 });

    const many = Array.from({ length: MAX_MOVES + 5 }, (_, i) => lead(`l${i}`, { stage_after: "mql", score_after: 10 + i }));
    const moves = summarize(many, true, []).moves;
    expect(moves).toHaveLength(MAX_MOVES);
    expect(moves[0]?.lead).toBe(`l${MAX_MOVES + 4}`);
  });

  it("sums each rule's leads and points under both rule sets, to one decimal", () => {
    const a = lead("a", { reasons_before: [{ rule: "pricing", points: 4.8 }], reasons_after: [{ rule: "pricing", points: 9.6 }, { rule: "demo", points: 30 }] });
    const b = lead("b", { reasons_before: [{ rule: "pricing", points: 0.15 }, { rule: "old-rule", points: 3 }], reasons_after: [{ rule: "pricing", points: 0.3 }] });
    const { rules } = summarize([a, b], false, ruleOrder([scoring]));
    expect(rules).toEqual([
      { rule: "pricing", leads_before: 2, leads_after: 2, points_before: 5, points_after: 9.9 },
      { rule: "demo", leads_before: 0, leads_after: 1, points_before: 0, points_after: 30 },
      { rule: "intent:decision", leads_before: 0, leads_after: 0, points_before: 0, points_after: 0 },
      { rule: "business", leads_before: 0, leads_after: 0, points_before: 0, points_after: 0 },
      // A rule the candidate dropped still shows what it gave before.
      { rule: "old-rule", leads_before: 1, leads_after: 0, points_before: 3, points_after: 0 },
    ]);
  });

  it("orders rules as a score explains itself: engagement, intent classes with points, fit; each once", () => {
    expect(ruleOrder([scoring, scoring])).toEqual(["pricing", "demo", "intent:decision", "business"]);
  });
});
