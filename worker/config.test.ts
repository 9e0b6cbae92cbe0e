import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, durationMs, globToRegExp, parseConfig } from "./config";

const shipped = JSON.parse(readFileSync(new URL("../leadlight.config.json", import.meta.url), "utf8"));
const withRule = (rule: object) => ({
  ...shipped,
  scoring: { ...shipped.scoring, engagement: [...shipped.scoring.engagement, rule] },
});

function problems(input: unknown): { path: string; message: string }[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("the config was accepted");
}

describe("leadlight.config.json", () => {
  it("the shipped config is valid and keeps its rules in order", () => {
    const config = parseConfig(shipped);
    expect(config.sites[0]?.key).toBe("pk_demo");
    expect(config.scoring.engagement.map((r) => r.id)).toContain("pricing-revisit");
    expect(config.webhooks[0]?.format).toBe("standard");
  });

  it("the design card's example config is valid as written", () => {
    const example = {
      sites: [{ key: "pk_demo", name: "Demo", origins: ["http://127.0.0.1:8787"] }],
      scoring: {
        half_life_days: 30,
        engagement: [
          { id: "pricing-revisit", on: "page_view", path: "/pricing*", nth: 2, within: "7d", points: 15 },
          { id: "demo-request", on: "track", name: "demo_request", points: 30, qualifies: "sql" },
        ],
        fit: [{ id: "target-size", trait: "company_size", between: [50, 5000], points: 10 }],
        intent: { awareness: 1, consideration: 5, decision: 10, transactional: 20, intent_terms: { decision: ["alternative"] } },
        stages: { mql: { min_score: 40, require_identified: true }, sql: { min_score: 80, min_fit: 10 } },
      },
      webhooks: [
        { id: "sales", url: "https://hooks.example.com/leads", events: ["lead.mql", "lead.sql"], secret_env: "WEBHOOK_SECRET_SALES", format: "standard" },
      ],
    };
    expect(() => parseConfig(example)).not.toThrow();
  });

  it("an unknown key is an error with its path, not ignored", () => {
    expect(problems({ ...shipped, extra: true })).toEqual([expect.objectContaining({ path: "$", message: expect.stringContaining("extra") })]);
    const typo = withRule({ id: "x", on: "page_view", point: 1, points: 1 });
    expect(problems(typo)[0]?.path).toBe("$.scoring.engagement[7]");
  });

  it("a bad duration is refused with the rule's path", () => {
    const [problem] = problems(withRule({ id: "x", on: "page_view", nth: 2, within: "7 days", points: 1 }));
    expect(problem?.path).toBe("$.scoring.engagement[7].within");
    expect(problem?.message).toMatch(/duration/);
  });

  it("a bad regular expression is refused with the reason", () => {
    const config = structuredClone(shipped);
    config.scoring.fit[2].matches = "\\b(vp|director";
    const [problem] = problems(config);
    expect(problem?.path).toBe("$.scoring.fit[2].matches");
    expect(problem?.message).toMatch(/regular expression/);
  });

  it("a bad path glob is refused", () => {
    expect(problems(withRule({ id: "x", on: "page_view", path: "pricing", points: 1 }))[0]?.path).toBe(
      "$.scoring.engagement[7].path",
    );
  });

  it("within without nth, name on a non-track rule and duplicate ids are refused", () => {
    expect(problems(withRule({ id: "x", on: "page_view", within: "7d", points: 1 }))[0]?.path).toBe("$.scoring.engagement[7].within");
    expect(problems(withRule({ id: "x", on: "page_view", name: "a", points: 1 }))[0]?.path).toBe("$.scoring.engagement[7].name");
    expect(problems(withRule({ id: "page-view", on: "page_view", points: 1 }))[0]?.message).toMatch(/duplicate id/);
  });

  it("a webhook url that is not http(s) and a standard webhook without a secret are refused", () => {
    const config = structuredClone(shipped);
    config.webhooks[0].url = "ftp://hooks.example.com/x";
    delete config.webhooks[0].secret_env;
    const found = problems(config).map((p) => p.path);
    expect(found).toEqual(expect.arrayContaining(["$.webhooks[0].url", "$.webhooks[0].secret_env"]));
  });

  it("an origin with a path is refused", () => {
    const config = structuredClone(shipped);
    config.sites[0].origins = ["https://example.com/"];
    expect(problems(config)[0]?.path).toBe("$.sites[0].origins[0]");
  });

  it("durations read as milliseconds", () => {
    expect(durationMs("30s")).toBe(30_000);
    expect(durationMs("15m")).toBe(900_000);
    expect(durationMs("12h")).toBe(43_200_000);
    expect(durationMs("7d")).toBe(604_800_000);
  });

  it("globs match the whole path, * across slashes", () => {
    expect(globToRegExp("/pricing*").test("/pricing/teams")).toBe(true);
    expect(globToRegExp("/pricing*").test("/about/pricing")).toBe(false);
    expect(globToRegExp("*/pricing*").test("/demo/pricing")).toBe(true);
    expect(globToRegExp("/docs/?.html").test("/docs/a.html")).toBe(true);
    expect(globToRegExp("/a.b").test("/axb")).toBe(false);
  });
});
