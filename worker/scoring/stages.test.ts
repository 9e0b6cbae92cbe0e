import { describe, expect, it } from "vitest";
import type { ScoringConfig } from "../config";
import { nextStages, type StageInput } from "./stages";

// The shipped thresholds: MQL needs an email, SQL needs a fit sales accepts.
const STAGES: ScoringConfig["stages"] = {
  mql: { min_score: 40, require_identified: true },
  sql: { min_score: 80, min_fit: 10 },
};

const lead = (input: Partial<StageInput>): StageInput => ({
  stage: "anonymous",
  identified: false,
  score: 0,
  fit: 0,
  qualifies: null,
  ...input,
});

describe("nextStages", () => {
  it("an anonymous visitor who gives an email becomes known", () => {
    expect(nextStages(STAGES, lead({ identified: true }))).toEqual(["known"]);
  });

  it("an anonymous visitor who stays anonymous stays put", () => {
    expect(nextStages(STAGES, lead({ score: 10 }))).toEqual([]);
  });

  it("a known lead reaching the MQL score becomes an MQL", () => {
    expect(nextStages(STAGES, lead({ stage: "known", identified: true, score: 40 }))).toEqual(["mql"]);
    expect(nextStages(STAGES, lead({ stage: "known", identified: true, score: 39.9 }))).toEqual([]);
  });

  it("identifying with enough score already makes two moves: known, then mql", () => {
    expect(nextStages(STAGES, lead({ identified: true, score: 50 }))).toEqual(["known", "mql"]);
  });

  it("an MQL reaching the SQL score with enough fit becomes an SQL", () => {
    expect(nextStages(STAGES, lead({ stage: "mql", identified: true, score: 80, fit: 10 }))).toEqual(["sql"]);
  });

  it("a known lead that clears the SQL bar jumps to sql in one move", () => {
    expect(nextStages(STAGES, lead({ stage: "known", identified: true, score: 95, fit: 20 }))).toEqual(["sql"]);
  });

  it("a demo request makes a lead SQL without the score", () => {
    expect(nextStages(STAGES, lead({ stage: "known", identified: true, score: 5, fit: -10, qualifies: "sql" }))).toEqual(["sql"]);
    expect(nextStages(STAGES, lead({ identified: true, qualifies: "sql" }))).toEqual(["known", "sql"]);
  });

  it("a qualifying mql action makes a known lead an MQL, not an SQL", () => {
    expect(nextStages(STAGES, lead({ stage: "known", identified: true, qualifies: "mql" }))).toEqual(["mql"]);
  });

  it("an anonymous visitor cannot become an MQL when MQL requires an email", () => {
    expect(nextStages(STAGES, lead({ score: 60 }))).toEqual([]);
    expect(nextStages(STAGES, lead({ score: 60, qualifies: "mql" }))).toEqual([]);
  });

  it("a qualifying action still respects require_identified of its stage", () => {
    const strict: ScoringConfig["stages"] = { ...STAGES, sql: { ...STAGES.sql, require_identified: true } };
    expect(nextStages(strict, lead({ qualifies: "sql" }))).toEqual([]);
    expect(nextStages(strict, lead({ identified: true, qualifies: "sql" }))).toEqual(["known", "sql"]);
  });

  it("an anonymous lead can become SQL when SQL does not require an email", () => {
    expect(nextStages(STAGES, lead({ score: 90, fit: 10 }))).toEqual(["sql"]);
  });

  it("a sql action blocked by require_identified does not fall back to MQL", () => {
    const sqlNeedsEmail: ScoringConfig["stages"] = {
      mql: { min_score: 40 },
      sql: { min_score: 80, require_identified: true },
    };
    expect(nextStages(sqlNeedsEmail, lead({ qualifies: "sql" }))).toEqual([]);
    expect(nextStages(sqlNeedsEmail, lead({ qualifies: "sql", score: 40 }))).toEqual(["mql"]);
  });

  it("min_fit keeps a high-scoring lead with a poor fit at MQL", () => {
    expect(nextStages(STAGES, lead({ stage: "known", identified: true, score: 120, fit: 9 }))).toEqual(["mql"]);
    expect(nextStages(STAGES, lead({ stage: "mql", identified: true, score: 120, fit: 9 }))).toEqual([]);
  });

  it("stages never move backwards when the score falls", () => {
    expect(nextStages(STAGES, lead({ stage: "sql", identified: true, score: 0 }))).toEqual([]);
    expect(nextStages(STAGES, lead({ stage: "mql", identified: true, score: -50 }))).toEqual([]);
    expect(nextStages(STAGES, lead({ stage: "sql", identified: true, score: 50 }))).toEqual([]);
  });

  it("a recycled lead re-qualifies like a known one", () => {
    expect(nextStages(STAGES, lead({ stage: "recycled", identified: true, score: 10 }))).toEqual([]);
    expect(nextStages(STAGES, lead({ stage: "recycled", identified: true, score: 45 }))).toEqual(["mql"]);
    expect(nextStages(STAGES, lead({ stage: "recycled", identified: true, score: 5, qualifies: "sql" }))).toEqual(["sql"]);
  });

  describe("require_fit (BANT)", () => {
    const BANT: ScoringConfig["stages"] = { ...STAGES, sql: { ...STAGES.sql, require_fit: ["budget", "senior-title"] } };

    it("a score clears the SQL bar only once every required fit rule has awarded", () => {
      const hot = { stage: "mql" as const, identified: true, score: 120, fit: 30 };
      expect(nextStages(BANT, lead({ ...hot, awarded: ["budget", "senior-title", "pricing-visit"] }))).toEqual(["sql"]);
      expect(nextStages(BANT, lead({ ...hot, awarded: ["senior-title"] }))).toEqual([]);
      expect(nextStages(BANT, lead({ ...hot }))).toEqual([]);
    });

    it("a lead held back from SQL still becomes an MQL on its score", () => {
      expect(nextStages(BANT, lead({ stage: "known", identified: true, score: 120, fit: 30, awarded: ["budget"] }))).toEqual(["mql"]);
    });

    it("a qualifying action (a demo request) still makes the lead SQL at once", () => {
      expect(nextStages(BANT, lead({ stage: "known", identified: true, score: 5, qualifies: "sql" }))).toEqual(["sql"]);
    });
  });

  it("accepted, won and lost are sales outcomes that scoring never moves", () => {
    for (const stage of ["accepted", "won", "lost"] as const) {
      expect(nextStages(STAGES, lead({ stage, identified: true, score: 500, fit: 50, qualifies: "sql" })), stage).toEqual([]);
    }
  });
});
