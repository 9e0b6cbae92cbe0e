import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyIntent, inflections, maySearch, normalizeTerm, searchTerms } from "./intent";

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

  it("plurals and regular inflections of the vocabulary match", () => {
    expect(classifyIntent("testing tools")).toBe("decision");
    expect(classifyIntent("acme comparisons")).toBe("decision");
    expect(classifyIntent("acme reviews")).toBe("decision");
    expect(classifyIntent("cloud providers")).toBe("consideration");
    expect(classifyIntent("evaluating ci vendors")).toBe("decision");
    expect(classifyIntent("optimizing docker builds")).toBe("awareness");
    expect(classifyIntent("upgraded node")).toBe("awareness");
    expect(classifyIntent("Buying Acme")).toBe("transactional");
    expect(classifyIntent("bulk purchases")).toBe("transactional");
    expect(classifyIntent("acme quotes")).toBe("transactional");
  });

  it("British -ise spellings match the vocabulary's -ize words", () => {
    expect(classifyIntent("optimise build times")).toBe("awareness");
    expect(classifyIntent("optimising build times")).toBe("awareness");
  });

  it("whole words only: a vocabulary word inside a longer word does not count", () => {
    expect(classifyIntent("reorder columns")).toBeNull();
    expect(classifyIntent("retest flaky specs")).toBeNull();
    expect(classifyIntent("toolbar icons")).toBeNull();
  });

  it("words that only look transactional do not count", () => {
    expect(classifyIntent("in order to log in")).toBeNull();
    expect(classifyIntent("order of operations")).toBeNull();
    expect(classifyIntent("sort order of results")).toBeNull();
    expect(classifyIntent("purchase order software")).toBe("consideration");
    expect(classifyIntent("famous quotes")).toBeNull();
    expect(classifyIntent("quote of the day")).toBeNull();
    expect(classifyIntent("getting stakeholder buy-in")).toBeNull();
  });

  it("build vs buy is a decision, not a purchase", () => {
    expect(classifyIntent("build vs buy")).toBe("decision");
    expect(classifyIntent("buy vs. build analytics")).toBe("decision");
    expect(classifyIntent("build or buy")).toBeNull();
  });

  it("VS Code is an editor, not a comparison, but a second vs still compares", () => {
    expect(classifyIntent("vs code extensions")).toBeNull();
    expect(classifyIntent("vs code vs sublime")).toBe("decision");
  });

  it("a word used in another sense still counts elsewhere in the same term", () => {
    expect(classifyIntent("in order to buy acme")).toBe("transactional");
    expect(classifyIntent("order acme online")).toBe("transactional");
    expect(classifyIntent("get a quote for 50 seats")).toBe("transactional");
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
  });

  it("intent_terms match in their inflections too, every word of a phrase", () => {
    const extra = { decision: ["alternative", "switch from", "acme vs"] };
    expect(classifyIntent("globex alternatives", extra)).toBe("decision");
    expect(classifyIntent("switching from globex", extra)).toBe("decision");
    expect(classifyIntent("Acme vs. Globex", extra)).toBe("decision");
    expect(classifyIntent("alternate", extra)).toBeNull();
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

describe("inflections", () => {
  it("adds -s, -ing and -ed, dropping a silent e and turning y into ie", () => {
    expect(inflections("quote")).toEqual(["quote", "quotes", "quoting", "quoted"]);
    expect(inflections("supply")).toEqual(["supply", "supplies", "supplying", "supplied"]);
    expect(inflections("buy")).toContain("buying");
    expect(inflections("process")).toContain("processes");
  });

  it("accepts a doubled last consonant as well as a single one", () => {
    expect(inflections("shop")).toEqual(expect.arrayContaining(["shopping", "shopped"]));
    expect(inflections("order")).toEqual(expect.arrayContaining(["ordering", "ordered"]));
  });

  it("keeps function words, plurals and words with other characters as written", () => {
    expect(inflections("how")).toEqual(["how"]);
    expect(inflections("pros")).toEqual(["pros"]);
    expect(inflections("c++")).toEqual(["c++"]);
    expect(inflections("Prüfen")).toEqual(["prüfen"]);
    expect(inflections("pricing")).toEqual(["pricing", "pricings"]);
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
