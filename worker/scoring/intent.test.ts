import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyIntent, maySearch, normalizeTerm, searchTerms } from "./intent";

describe("classifyIntent", () => {
  it("each class is recognised by its own words", () => {
    expect(classifyIntent("troubleshoot slow builds")).toBe("awareness");
    expect(classifyIntent("best ci tool")).toBe("consideration");
    expect(classifyIntent("acme benchmarks")).toBe("decision");
    expect(classifyIntent("purchase acme licence")).toBe("transactional");
  });

  it("phrases match with any whitespace between their words", () => {
    expect(classifyIntent("how to cache docker layers")).toBe("awareness");
    expect(classifyIntent("acme pros   and\tcons")).toBe("decision");
    expect(classifyIntent("acme free\ntrial")).toBe("decision");
    expect(classifyIntent("how-to guide")).toBeNull();
  });

  it("whole words only: testing is not test, and vendors is not vendor", () => {
    expect(classifyIntent("testing strategies")).toBeNull();
    expect(classifyIntent("vendors")).toBeNull();
    expect(classifyIntent("reorder")).toBeNull();
    expect(classifyIntent("acme reviews")).toBe("decision");
  });

  it("vs, vs. and versus all mark a decision", () => {
    expect(classifyIntent("acme vs globex")).toBe("decision");
    expect(classifyIntent("acme vs. globex")).toBe("decision");
    expect(classifyIntent("Acme Versus Globex")).toBe("decision");
  });

  it("the strongest class wins when a term names several", () => {
    expect(classifyIntent("how to buy acme")).toBe("transactional");
    expect(classifyIntent("compare ci tools and software")).toBe("decision");
    expect(classifyIntent("improve build software")).toBe("consideration");
  });

  it("a term that names no class is unclassified", () => {
    expect(classifyIntent("acme logo")).toBeNull();
    expect(classifyIntent("")).toBeNull();
  });

  it("intent_terms add the site's own words and phrases to a class", () => {
    const extra = { decision: ["alternative", "switch from"], transactional: ["c++ licence"] };
    expect(classifyIntent("globex alternative", extra)).toBe("decision");
    expect(classifyIntent("switch  from globex", extra)).toBe("decision");
    expect(classifyIntent("C++ Licence", extra)).toBe("transactional");
    expect(classifyIntent("alternatives", extra)).toBeNull();
  });

  it("intent_terms are literal words, never regular expressions", () => {
    const extra = { decision: ["a.b", "(x|y)"] };
    expect(classifyIntent("a.b", extra)).toBe("decision");
    expect(classifyIntent("axb", extra)).toBeNull();
    expect(classifyIntent("x", extra)).toBeNull();
  });

  it("extra terms never change the default vocabulary", () => {
    classifyIntent("globex alternative", { decision: ["alternative"] });
    expect(classifyIntent("globex alternative")).toBeNull();
  });
});

describe("normalizeTerm", () => {
  it("lower-cases and collapses whitespace, so one search is remembered once", () => {
    expect(normalizeTerm("  Free \t Trial\n")).toBe("free trial");
  });
});

describe("searchTerms", () => {
  it("reads utm_term and the site-search parameters of the URL", () => {
    expect(searchTerms({ url: "https://acme.com/?utm_term=ci+pricing" })).toEqual(["ci pricing"]);
    expect(searchTerms({ url: "https://acme.com/search?q=a&s=b&search=c&query=d" })).toEqual(["a", "b", "c", "d"]);
  });

  it("reads a parameter whose name is percent-encoded", () => {
    expect(searchTerms({ url: "https://acme.com/?utm%5Fterm=buy+acme" })).toEqual(["buy acme"]);
  });

  it("reads utm_term and search from the event's props", () => {
    expect(searchTerms({ props: { utm_term: "buy acme", search: "sso", other: "x" } })).toEqual(["buy acme", "sso"]);
  });

  it("ignores blank values, other parameters and the fragment", () => {
    expect(searchTerms({ url: "https://acme.com/search?q=+&page=2&sq=x" })).toEqual([]);
    expect(searchTerms({ url: "https://acme.com/docs#q=pricing" })).toEqual([]);
    expect(searchTerms({ url: "https://acme.com/search?q=sso#results" })).toEqual(["sso"]);
  });

  it("an event without a URL or props carries no terms", () => {
    expect(searchTerms({})).toEqual([]);
    expect(searchTerms({ props: { utm_term: 42 } })).toEqual([]);
  });

  it("the cheap first look never skips an event that carries a term", () => {
    const pieces = ["https://acme.com/", "?", "#", "&", "=", "q", "s", "utm", "_term", "%5F", "%71", "search", "query", "x", "+", " "];
    const url = fc.array(fc.constantFrom(...pieces), { maxLength: 10 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(url, (u) => {
        if (searchTerms({ url: u }).length > 0) expect(maySearch({ url: u })).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
