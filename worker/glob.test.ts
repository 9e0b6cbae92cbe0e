import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob, globToRegExp } from "./glob";

// Every case runs through both forms: the regular expression that defines a glob and the
// compiled test the scoring engine runs.
const matches = (glob: string, path: string) => {
  const byRegExp = globToRegExp(glob).test(path);
  expect(compileGlob(glob)(path), `compileGlob("${glob}") on "${path}"`).toBe(byRegExp);
  return byRegExp;
};

describe("path globs", () => {
  it("the whole path must match: a glob is not a substring search", () => {
    expect(matches("/pricing", "/pricing")).toBe(true);
    expect(matches("/pricing", "/pricing/teams")).toBe(false);
    expect(matches("/pricing*", "/about/pricing")).toBe(false);
  });

  it("* matches any run of characters, slashes included, and also none", () => {
    expect(matches("/pricing*", "/pricing")).toBe(true);
    expect(matches("/pricing*", "/pricing/teams/annual")).toBe(true);
    expect(matches("*/pricing*", "/en/pricing")).toBe(true);
    expect(matches("*/pricing*", "/pricing")).toBe(true);
    expect(matches("*.pdf", "/guides/2026/report.pdf")).toBe(true);
    expect(matches("*pricing*", "/de/preise")).toBe(false);
    expect(matches("*", "/")).toBe(true);
    expect(matches("/docs/*/intro", "/docs/v2/beta/intro")).toBe(true);
  });

  it("? matches exactly one character", () => {
    expect(matches("/docs/?.html", "/docs/a.html")).toBe(true);
    expect(matches("/docs/?.html", "/docs/.html")).toBe(false);
    expect(matches("/docs/?.html", "/docs/ab.html")).toBe(false);
    expect(matches("/v?/*", "/v2/api")).toBe(true);
  });

  it("every other character is literal, regular-expression syntax included", () => {
    expect(matches("/a.b", "/axb")).toBe(false);
    expect(matches("/a.b", "/a.b")).toBe(true);
    expect(matches("/c++/(new)", "/c++/(new)")).toBe(true);
    expect(matches("/$[x]{2}|^", "/$[x]{2}|^")).toBe(true);
    expect(matches("/a\\d", "/a5")).toBe(false);
  });

  it("the compiled test agrees with the regular expression on any glob and path", () => {
    const alphabet = ["/", "a", "b", "*", "?", ".", "\\"];
    const glob = fc.array(fc.constantFrom(...alphabet), { maxLength: 7 }).map((chars) => chars.join(""));
    const path = fc.array(fc.constantFrom("/", "a", "b", "ab", ".", "*", "?"), { maxLength: 7 }).map((p) => p.join(""));
    fc.assert(
      fc.property(glob, path, (g, p) => {
        expect(compileGlob(g)(p)).toBe(globToRegExp(g).test(p));
      }),
      { numRuns: 5000 },
    );
  });
});
