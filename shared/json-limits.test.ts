import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nestedArrays } from "../test/workers/hostile";
import { isWellFormed, jsonProblem } from "./json-limits";

const bounds = { what: "properties", depth: 8, chars: 8192, keys: 32 };
/** Bounds no generated value reaches, to test one bound at a time. */
const open = { what: "properties", depth: 1000, chars: 1e9, keys: 1e9 };

/** JSON values without an own `__proto__` key, which the walk refuses on purpose. */
const json = (maxDepth?: number) => fc.jsonValue({ maxDepth }).filter((v) => !JSON.stringify(v).includes('"__proto__":'));

/** The nesting of a JSON value, recursively: fine for the small values generated here. */
const depthOf = (value: unknown): number =>
  value !== null && typeof value === "object" ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;

describe("jsonProblem", () => {
  it("takes 8 levels of nesting and names the path of the 9th", () => {
    expect(jsonProblem({ x: nestedArrays(7) }, bounds)).toBeNull();
    expect(jsonProblem({ x: nestedArrays(8) }, bounds)).toEqual({
      path: ["x", 0, 0, 0, 0, 0, 0, 0],
      message: "nested deeper than 8 levels; properties may nest at most 8",
    });
  });

  it("refuses 100,000 levels of nesting without overflowing the stack", () => {
    expect(jsonProblem({ x: nestedArrays(100_000) }, bounds)?.message).toContain("deeper than 8 levels");
  });

  it("counts exactly the characters of JSON.stringify", () => {
    fc.assert(
      fc.property(json(), fc.nat(300), (value, chars) => {
        const fits = JSON.stringify(value).length <= chars;
        expect(jsonProblem(value, { ...open, chars }) === null).toBe(fits);
      }),
      { numRuns: 1000 },
    );
  });

  it("counts nesting as a recursive walk would", () => {
    fc.assert(
      fc.property(json(6), fc.integer({ min: 1, max: 6 }), (value, depth) => {
        expect(jsonProblem(value, { ...open, depth }) === null).toBe(depthOf(value) <= depth);
      }),
      { numRuns: 1000 },
    );
  });

  it("stops at an array too long to fit before walking it", () => {
    expect(jsonProblem({ x: new Array(1e9) }, bounds)).toEqual({
      path: [],
      message: "larger than 8192 characters as JSON; properties may take at most 8192",
    });
  });

  it("refuses more keys than allowed at the top, not below it", () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(jsonProblem(keys(32), bounds)).toBeNull();
    expect(jsonProblem(keys(33), bounds)?.message).toBe("holds 33 properties; at most 32 are taken");
    expect(jsonProblem({ nested: keys(100) }, bounds)).toBeNull();
  });

  it("names text and keys that hold a lone surrogate, and takes paired ones", () => {
    expect(jsonProblem({ a: ["ok", "bad\ud800"] }, bounds)?.path).toEqual(["a", 1]);
    expect(jsonProblem({ a: { "\udc00": 1 } }, bounds)?.path).toEqual(["a", "\udc00"]);
    expect(jsonProblem({ "😀": "café 😀" }, bounds)).toBeNull();
  });

  it("refuses an own __proto__ key, which no plain object can hold as data", () => {
    expect(jsonProblem(JSON.parse('{"a": {"__proto__": {"email": "x"}}}'), bounds)).toEqual({
      path: ["a", "__proto__"],
      message: 'the key "__proto__" cannot be stored',
    });
    expect(jsonProblem({ constructor: 1, toString: "x" }, bounds)).toBeNull();
  });

  it("refuses what JSON cannot carry: Infinity (1e400 parsed), NaN, undefined, a Date", () => {
    for (const bad of [JSON.parse("1e400"), Number.NaN, undefined, new Date(0), 1n]) {
      expect(jsonProblem({ x: bad }, bounds)?.path).toEqual(["x"]);
    }
  });
});

describe("isWellFormed", () => {
  it("agrees with String.prototype.isWellFormed", () => {
    const units = fc.oneof(fc.string({ unit: "binary" }), fc.constantFrom("\ud800", "\udfff", "😀", "a"));
    fc.assert(
      fc.property(fc.array(units).map((parts) => parts.join("")), (text) => {
        expect(isWellFormed(text)).toBe((text as unknown as { isWellFormed(): boolean }).isWellFormed());
      }),
      { numRuns: 2000 },
    );
  });
});
