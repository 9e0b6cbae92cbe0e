import { describe, expect, it } from "vitest";
import { Scoring } from "../config";
import { compileScoring } from "./engine";
import { fitScore, traitNumber, type Traits } from "./fit";

const compile = (fit: unknown[]) =>
  compileScoring(Scoring.parse({ engagement: [], fit, stages: { mql: { min_score: 40 }, sql: { min_score: 80 } } }));

const emailRules = compile([
  { id: "business-email", trait: "email", free_email: false, points: 10 },
  { id: "free-email", trait: "email", free_email: true, points: -10 },
]);
const rulesFor = (traits: Traits) => fitScore(emailRules, traits).reasons.map((r) => r.rule);

describe("email domain", () => {
  it("a business address earns the business-email points", () => {
    expect(fitScore(emailRules, { email: "ada@acme.com" })).toEqual({
      fit: 10,
      reasons: [{ rule: "business-email", points: 10, count: 1 }],
    });
  });

  it("a free-mail address earns the free-email points, whatever its case", () => {
    expect(rulesFor({ email: "ada@gmail.com" })).toEqual(["free-email"]);
    expect(rulesFor({ email: "Ada@GMail.COM" })).toEqual(["free-email"]);
    expect(fitScore(emailRules, { email: "ada@yahoo.co.uk" }).fit).toBe(-10);
  });

  it("a subdomain of a free-mail provider is somebody's own domain", () => {
    expect(rulesFor({ email: "ada@eng.gmail.com" })).toEqual(["business-email"]);
  });

  it("example.com addresses count as business, not free mail", () => {
    expect(rulesFor({ email: "ada@example.com" })).toEqual(["business-email"]);
  });

  it("no email, a blank one or one without a domain gives no email points", () => {
    expect(rulesFor({})).toEqual([]);
    expect(rulesFor({ email: "  " })).toEqual([]);
    expect(rulesFor({ email: "ada" })).toEqual([]);
    expect(rulesFor({ email: "ada@" })).toEqual([]);
  });
});

describe("matches", () => {
  const seniority = compile([{ id: "senior-title", trait: "title", matches: "\\b(vp|director|head|chief|founder)\\b", points: 15 }]);

  it("a senior title earns the points, whatever its case", () => {
    expect(fitScore(seniority, { title: "VP of Sales" }).fit).toBe(15);
    expect(fitScore(seniority, { title: "Co-Founder" }).fit).toBe(15);
  });

  it("a title that only contains the word inside another earns nothing", () => {
    expect(fitScore(seniority, { title: "Headhunter" }).fit).toBe(0);
  });

  it("a number trait is matched as its text", () => {
    const plan = compile([{ id: "big-plan", trait: "seats", matches: "^1\\d\\d$", points: 5 }]);
    expect(fitScore(plan, { seats: 150 }).fit).toBe(5);
  });
});

describe("between", () => {
  const size = compile([{ id: "target-size", trait: "company_size", between: [50, 5000], points: 10 }]);
  const fits = (company_size: unknown) => fitScore(size, { company_size }).fit === 10;

  it("a size inside the range, bounds included, earns the points", () => {
    expect(fits(50)).toBe(true);
    expect(fits(5000)).toBe(true);
    expect(fits(49)).toBe(false);
    expect(fits(5001)).toBe(false);
  });

  it("a size given as text is read from its first number", () => {
    expect(fits("51-200")).toBe(true);
    expect(fits("1,000+")).toBe(true);
    expect(fits("about 300 people")).toBe(true);
    expect(fits("10,000+")).toBe(false);
    expect(fits("11-50")).toBe(false);
  });

  it("a size with no number in it earns nothing", () => {
    expect(fits("large")).toBe(false);
    expect(fits(true)).toBe(false);
  });

  it("traitNumber strips thousands separators only where they group thousands", () => {
    expect(traitNumber("1,000,000")).toBe(1_000_000);
    expect(traitNumber("2.5k")).toBe(2.5);
    expect(traitNumber(Number.NaN)).toBeNull();
  });
});

describe("presence and missing traits", () => {
  it("a rule without a condition earns its points when the trait is there", () => {
    const hasPhone = compile([{ id: "phone", trait: "phone", points: 5 }]);
    expect(fitScore(hasPhone, { phone: "+44 20 7946 0000" }).fit).toBe(5);
    expect(fitScore(hasPhone, { phone: "" }).fit).toBe(0);
    expect(fitScore(hasPhone, { phone: null }).fit).toBe(0);
  });

  it("a missing trait earns nothing under any rule", () => {
    const all = compile([
      { id: "senior-title", trait: "title", matches: ".*", points: 15 },
      { id: "target-size", trait: "company_size", between: [0, 10], points: 10 },
      { id: "industry", trait: "industry", points: 5 },
    ]);
    expect(fitScore(all, { email: "ada@acme.com" })).toEqual({ fit: 0, reasons: [] });
  });

  it("fit reasons come in config order and add up to fit", () => {
    const rules = compile([
      { id: "business-email", trait: "email", free_email: false, points: 10 },
      { id: "senior-title", trait: "title", matches: "vp", points: 15 },
      { id: "country", trait: "country", matches: "^(de|fr)$", points: -5 },
    ]);
    expect(fitScore(rules, { country: "DE", title: "VP", email: "ada@acme.de" })).toEqual({
      fit: 20,
      reasons: [
        { rule: "business-email", points: 10, count: 1 },
        { rule: "senior-title", points: 15, count: 1 },
        { rule: "country", points: -5, count: 1 },
      ],
    });
  });
});
