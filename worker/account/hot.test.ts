import { describe, expect, it } from "vitest";
import { activeWithin, hotNow } from "./hot";

const D = 86_400_000;
const NOW = Date.UTC(2026, 10, 30);
const rule = { min_leads: 2, min_score: 100, within: 14 * D };
const lead = (score: number, daysAgo: number) => ({ score, last_seen: NOW - daysAgo * D });

describe("a hot account", () => {
  it("is hot when enough leads were active in the window and their summed score reaches the bar", () => {
    expect(hotNow(rule, [lead(60, 1), lead(40, 3)], null, NOW)).toBe(true);
    expect(hotNow(rule, [lead(60, 1), lead(39.9, 3)], null, NOW)).toBe(false);
    expect(hotNow(rule, [lead(120, 1)], null, NOW)).toBe(false);
  });

  it("counts only the leads active within the window, and their scores only", () => {
    expect(activeWithin([lead(60, 1), lead(50, 2), lead(500, 20)], rule.within, NOW)).toEqual({ leads: 2, score: 110 });
    expect(hotNow(rule, [lead(60, 1), lead(500, 20)], null, NOW)).toBe(false);
  });

  it("alerts once per window: again only once the window has passed since the last alert", () => {
    const members = [lead(60, 0), lead(60, 0)];
    expect(hotNow(rule, members, NOW - 13 * D, NOW)).toBe(false);
    expect(hotNow(rule, members, NOW - 14 * D, NOW)).toBe(true);
  });
});
