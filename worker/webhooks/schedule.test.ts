import { describe, expect, it } from "vitest";
import { JITTER, MAX_ATTEMPTS, MAX_RETRY_AFTER_MS, RETRY_SCHEDULE_MS, nextAttemptAt, parseRetryAfter, retryScale } from "./schedule";

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const T = 1_763_900_000_000;

describe("the retry schedule", () => {
  it("is DESIGN.md's: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h", () => {
    expect(RETRY_SCHEDULE_MS).toEqual([0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    expect(MAX_ATTEMPTS).toBe(10);
  });

  it("waits each slot after the failed attempt, without jitter at the midpoint", () => {
    const delays = Array.from({ length: 9 }, (_, i) => (nextAttemptAt({ attempt: i + 1, at: T, scale: 1, random: () => 0.5 }) as number) - T);
    expect(delays).toEqual(RETRY_SCHEDULE_MS.slice(1));
  });

  it("spreads each delay by at most ±10 %", () => {
    expect(JITTER).toBe(0.1);
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const slot = RETRY_SCHEDULE_MS[attempt] as number;
      const low = (nextAttemptAt({ attempt, at: T, scale: 1, random: () => 0 }) as number) - T;
      const high = (nextAttemptAt({ attempt, at: T, scale: 1, random: () => 0.999_999_999 }) as number) - T;
      expect(low).toBe(Math.round(slot * 0.9));
      expect(high).toBeLessThanOrEqual(Math.round(slot * 1.1));
      expect(high).toBeGreaterThan(Math.round(slot * 1.1) - 2);
    }
  });

  it("with real randomness stays inside the bounds and actually varies", () => {
    const delays = Array.from({ length: 500 }, () => (nextAttemptAt({ attempt: 2, at: T, scale: 1 }) as number) - T);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(270_000);
      expect(d).toBeLessThanOrEqual(330_000);
    }
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  it("gives up after the tenth attempt", () => {
    expect(nextAttemptAt({ attempt: 9, at: T, scale: 1 })).not.toBeNull();
    expect(nextAttemptAt({ attempt: 10, at: T, scale: 1 })).toBeNull();
  });

  it("scales every delay by LEADLIGHT_RETRY_SCALE, jitter included", () => {
    expect(nextAttemptAt({ attempt: 1, at: T, scale: 0.001, random: () => 0.5 })).toBe(T + 5);
    expect(nextAttemptAt({ attempt: 9, at: T, scale: 0.001, random: () => 0.5 })).toBe(T + 86_400);
    expect(nextAttemptAt({ attempt: 9, at: T, scale: 0.001, random: () => 0 })).toBe(T + 77_760);
    expect(nextAttemptAt({ attempt: 3, at: T, scale: 0, random: () => 0.7 })).toBe(T);
  });

  it("never retries sooner than Retry-After, which is not scaled", () => {
    expect(nextAttemptAt({ attempt: 1, at: T, scale: 0.001, retryAfterMs: 30 * S, random: () => 0.5 })).toBe(T + 30 * S);
    // A Retry-After shorter than the slot does not bring the retry forward.
    expect(nextAttemptAt({ attempt: 3, at: T, scale: 1, retryAfterMs: 10 * S, random: () => 0.5 })).toBe(T + 30 * M);
  });

  it("bounds Retry-After at 24 h, so one answer cannot park a delivery for months", () => {
    expect(nextAttemptAt({ attempt: 1, at: T, scale: 1, retryAfterMs: 90 * 24 * H, random: () => 0.5 })).toBe(T + MAX_RETRY_AFTER_MS);
  });
});

describe("reading Retry-After", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("120", T)).toBe(120 * S);
    expect(parseRetryAfter(" 0 ", T)).toBe(0);
  });

  it("reads an HTTP date as the time left until it, never negative", () => {
    const at = new Date(T + 90 * S).toUTCString();
    expect(parseRetryAfter(at, T)).toBe(90 * S);
    expect(parseRetryAfter(new Date(T - 90 * S).toUTCString(), T)).toBe(0);
  });

  it("ignores absent and garbled values, falling back to the schedule", () => {
    expect(parseRetryAfter(null, T)).toBeNull();
    expect(parseRetryAfter("soon", T)).toBeNull();
    expect(parseRetryAfter("-5", T)).toBeNull();
    expect(parseRetryAfter("1.5", T)).toBeNull();
    expect(parseRetryAfter("1e3", T)).toBeNull();
  });
});

describe("LEADLIGHT_RETRY_SCALE", () => {
  it("is a non-negative multiplier, 1 when unset or unreadable", () => {
    expect(retryScale("0.001")).toBe(0.001);
    expect(retryScale("0")).toBe(0);
    expect(retryScale(undefined)).toBe(1);
    expect(retryScale("")).toBe(1);
    expect(retryScale("fast")).toBe(1);
    expect(retryScale("-1")).toBe(1);
  });
});
