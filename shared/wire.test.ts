import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batch, nestedArrays } from "../test/workers/hostile";
import { LIMITS, Traits, parseBatch } from "./wire";

const SITE = "pk_demo";
const pageView = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "page_view",
  ts: 1_763_900_000_000,
  url: "https://example.com/",
  ...extra,
});
const envelope = (events: unknown[]) => ({ site: SITE, visitor: "v1", events });

/** Node's own check, independent of the one under test (its types are newer than our lib). */
const wellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** A recursive check, fine on what passed the limits: only plain JSON, well-formed text. */
function isPlainJson(value: unknown): boolean {
  if (typeof value === "string") return wellFormed(value);
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value === "boolean" || value === null) return true;
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== "object" || ![Object.prototype, null].includes(Object.getPrototypeOf(value))) return false;
  return Object.entries(value).every(([key, v]) => key !== "__proto__" && wellFormed(key) && isPlainJson(v));
}

const depthOf = (value: unknown): number =>
  value !== null && typeof value === "object" ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;

describe("parseBatch on hostile bodies", () => {
  /**
   * Never throws, refuses with issues or keeps every event it does not report; of a body JSON
   * can carry (`json`), keeps only plain JSON within the limits.
   */
  const classifies = (input: unknown, json = true) => {
    const parsed = parseBatch(input);
    const sent = (input as { events?: unknown } | null)?.events;
    const tooMany = Array.isArray(sent) && sent.length > LIMITS.eventsPerBatch;
    expect(JSON.parse(JSON.stringify(parsed.issues))).toEqual(parsed.issues);
    for (const issue of parsed.issues) {
      expect(issue.message).toMatch(/\S/);
      expect(issue.path.length).toBeLessThan(20);
    }
    if (!parsed.ok) {
      expect(parsed.issues.length).toBeGreaterThan(0);
      expect(parsed.refusal).toBe(tooMany ? "too_large" : "invalid");
      return;
    }
    expect(tooMany).toBe(false);
    const refused = new Set(parsed.issues.map((issue) => issue.path[1]));
    for (const issue of parsed.issues) {
      expect(issue.path[0]).toBe("events");
      expect(issue.path[1]).toSatisfy((index) => Number.isInteger(index) && (index as number) < (sent as unknown[]).length);
    }
    expect(parsed.events.length + refused.size).toBe((sent as unknown[]).length);
    for (const event of json ? parsed.events : []) {
      expect(isPlainJson(event)).toBe(true);
      // The bounds hold for an event's props, and for an identify's traits (its props wrap them).
      const bounded = event.type === "identify" ? event.props.traits : "props" in event ? event.props : undefined;
      if (bounded) {
        expect(depthOf(bounded)).toBeLessThanOrEqual(LIMITS.propsDepth);
        expect(JSON.stringify(bounded).length).toBeLessThanOrEqual(LIMITS.propsChars);
      }
    }
  };

  it("classifies thousands of generated bodies without throwing", () => {
    fc.assert(
      fc.property(batch(SITE), (body) => classifies(body)),
      { numRuns: 2000 },
    );
  });

  it("classifies values JSON cannot even carry without throwing", () => {
    const anything = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true });
    const events = fc.array(fc.oneof(anything, fc.record({ id: fc.constant("e"), type: fc.constant("track"), ts: fc.constant(1), name: fc.constant("t"), props: anything })));
    fc.assert(
      fc.property(fc.oneof(anything, events.map(envelope)), (body) => classifies(body, false)),
      { numRuns: 1000 },
    );
  });
});

describe("parseBatch limits", () => {
  it("refuses more than 100 events as too large, before reading any of them", () => {
    const parsed = parseBatch(envelope(Array.from({ length: 101 }, () => "not an event")));
    expect(parsed).toEqual({ ok: false, refusal: "too_large", issues: [{ path: ["events"], message: "101 events; a batch may carry at most 100 events" }] });
  });

  it("keeps the events beside one whose props nest 3,000 levels", () => {
    const parsed = parseBatch(envelope([pageView("a"), pageView("b", { props: { x: nestedArrays(3000) } }), pageView("c")]));
    expect(parsed.ok && parsed.events.map((e) => e.id)).toEqual(["a", "c"]);
    expect(parsed.issues).toEqual([
      { path: ["events", 1, "props", "x", 0, 0, 0, 0, 0, 0, 0], message: "nested deeper than 8 levels; properties may nest at most 8" },
    ]);
  });

  it("names a lone surrogate in any text field of an event", () => {
    const bad = "x\ud800";
    const parsed = parseBatch(
      envelope([
        pageView("a", { url: bad }),
        pageView("b", { ref: bad }),
        pageView("c", { title: bad }),
        { id: "d", type: "track", ts: 1, name: bad },
        { id: "e", type: "identify", ts: 1, props: { email: "a@b.co", traits: { title: bad } } },
        pageView("f"),
      ]),
    );
    expect(parsed.ok && parsed.events.map((e) => e.id)).toEqual(["f"]);
    expect(parsed.issues.map((i) => i.path)).toEqual([
      ["events", 0, "url"],
      ["events", 1, "ref"],
      ["events", 2, "title"],
      ["events", 3, "name"],
      ["events", 4, "props", "traits", "title"],
    ]);
  });

  it("takes repeated event ids: the lead object counts the second as a duplicate", () => {
    const parsed = parseBatch(envelope([pageView("same"), pageView("same")]));
    expect(parsed.ok && parsed.events).toHaveLength(2);
  });
});

describe("Traits", () => {
  it("refuses traits nested 3,000 levels with the path, without overflowing the stack", () => {
    const parsed = Traits.safeParse({ plan: nestedArrays(3000) });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["plan", 0, 0, 0, 0, 0, 0, 0]);
  });

  it("refuses traits over 8192 characters as JSON and takes them at 8192", () => {
    const sized = (chars: number) => ({ notes: "x".repeat(chars - '{"notes":""}'.length) });
    expect(Traits.safeParse(sized(8192)).success).toBe(true);
    expect(Traits.safeParse(sized(8193)).error?.issues[0]?.message).toBe(
      "larger than 8192 characters as JSON; traits may take at most 8192",
    );
  });
});
