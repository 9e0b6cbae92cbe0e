import { describe, expect, it } from "vitest";
import type { Stage } from "../config";
import { alertType, feedbackMove, scoreMoves } from "./lifecycle";

const STAGES = { mql: { min_score: 40, require_identified: true }, sql: { min_score: 80, min_fit: 10 } };
const score = (score: number, fit = 20, qualifies: "mql" | "sql" | null = null) => ({ score, fit, qualifies });

describe("sales feedback moves", () => {
  it("accepting an SQL or MQL makes it accepted; won and lost close an SQL or an accepted lead", () => {
    expect(feedbackMove("sql", "accepted")).toEqual({ ok: true, to: "accepted" });
    expect(feedbackMove("mql", "accepted")).toEqual({ ok: true, to: "accepted" });
    expect(feedbackMove("accepted", "won")).toEqual({ ok: true, to: "won" });
    expect(feedbackMove("sql", "lost")).toEqual({ ok: true, to: "lost" });
  });

  it("a rejection is the only way back: to recycled", () => {
    for (const stage of ["mql", "sql", "accepted"] as Stage[]) expect(feedbackMove(stage, "rejected")).toEqual({ ok: true, to: "recycled" });
  });

  it("refuses what does not apply, saying where the outcome does", () => {
    const refused = feedbackMove("won", "accepted");
    expect(refused).toEqual({ ok: false, message: 'a lead in stage "won" cannot be marked accepted: that applies to mql, sql' });
    expect(feedbackMove("known", "won").ok).toBe(false);
    expect(feedbackMove("lost", "rejected").ok).toBe(false);
  });
});

describe("score moves", () => {
  it("an anonymous visitor never moves, whatever its score", () => {
    expect(scoreMoves(STAGES, { kind: "visitor", stage: "anonymous" }, score(500, 50, "sql"))).toEqual([]);
  });

  it("a new known lead becomes known, then goes straight to the highest stage it reached", () => {
    expect(scoreMoves(STAGES, { kind: "email", stage: "anonymous" }, score(5))).toEqual(["known"]);
    expect(scoreMoves(STAGES, { kind: "email", stage: "anonymous" }, score(90))).toEqual(["known", "sql"]);
    expect(scoreMoves(STAGES, { kind: "email", stage: "known" }, score(45))).toEqual(["mql"]);
  });

  it("stages never go back, and sales outcomes are out of scoring's reach", () => {
    expect(scoreMoves(STAGES, { kind: "email", stage: "sql" }, score(0))).toEqual([]);
    expect(scoreMoves(STAGES, { kind: "email", stage: "won" }, score(500))).toEqual([]);
    expect(scoreMoves(STAGES, { kind: "email", stage: "recycled" }, score(45))).toEqual(["mql"]);
  });
});

describe("alert types", () => {
  it("names a move to known lead.identified and every other lead.<stage>; anonymous has none", () => {
    expect(alertType("known")).toBe("lead.identified");
    expect(alertType("sql")).toBe("lead.sql");
    expect(alertType("recycled")).toBe("lead.recycled");
    expect(alertType("anonymous")).toBeNull();
  });
});
