/**
 * When a failed webhook delivery is tried again. Pure: plain numbers in, plain numbers out.
 *
 * The schedule is the Standard Webhooks recommendation (and DESIGN.md's contract): immediately,
 * then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h after the previous attempt.
 * Tests and demos shrink it with a multiplier (`LEADLIGHT_RETRY_SCALE`), never by editing it.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay before attempt N+1 (index N), measured from the end of attempt N. Index 0 is the first try. */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

/** Attempts per message in one run of the schedule; after the last one fails it is marked failed. */
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length;

/**
 * Each retry delay is spread by up to ±10 %, so the leads that failed together against one
 * receiver outage do not all come back in the same second when it recovers.
 */
export const JITTER = 0.1;

/**
 * A receiver's `Retry-After` is honoured up to this long. Without a bound one answer could park
 * a delivery for a year; 24 h is the longest gap the schedule itself allows.
 */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

/**
 * Reads `LEADLIGHT_RETRY_SCALE`: a non-negative multiplier of every retry delay (not of
 * `Retry-After`). Unset or unreadable means 1, the real schedule.
 *
 * @example
 * retryScale("0.001") // 0.001: 5 s becomes 5 ms, 24 h becomes 86.4 s
 */
export function retryScale(value: unknown): number {
  if (typeof value !== "string" || value.trim() === "") return 1;
  const scale = Number(value);
  return Number.isFinite(scale) && scale >= 0 ? scale : 1;
}

export interface RetryInput {
  /** The attempt that just failed, counted from 1 within the current run of the schedule. */
  attempt: number;
  /** When it failed (ms). */
  at: number;
  /** Multiplier of the schedule (see `retryScale`). */
  scale: number;
  /** The receiver's `Retry-After`, as a delay in ms (see `parseRetryAfter`), or null. */
  retryAfterMs?: number | null;
  /** A number in [0, 1), Math.random by default; injected by tests to reach the jitter bounds. */
  random?: () => number;
}

/**
 * When to try again after a failed attempt, or null when that was the last one.
 * The delay is `schedule[attempt] × scale × (1 ± JITTER)`, and never shorter than `Retry-After`.
 *
 * @example
 * nextAttemptAt({ attempt: 1, at: 0, scale: 1 })                      // 4_500 … 5_500
 * nextAttemptAt({ attempt: 1, at: 0, scale: 1, retryAfterMs: 60_000 }) // 60_000
 * nextAttemptAt({ attempt: 10, at: 0, scale: 1 })                     // null: failed
 */
export function nextAttemptAt({ attempt, at, scale, retryAfterMs = null, random = Math.random }: RetryInput): number | null {
  const slot = RETRY_SCHEDULE_MS[attempt];
  if (slot === undefined) return null;
  const jitter = 1 + JITTER * (2 * random() - 1);
  const delay = Math.round(slot * scale * jitter);
  const floor = retryAfterMs === null ? 0 : Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS);
  return at + Math.max(delay, floor);
}

/**
 * A `Retry-After` header as a delay in ms from `now`: either delta-seconds ("120") or an HTTP
 * date. Null when absent or unreadable, so a garbled header falls back to the schedule.
 *
 * @example
 * parseRetryAfter("120", now)                               // 120_000
 * parseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT", now)     // ms until then (0 if past)
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  if (header === null || header === undefined) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * SECOND;
  // Only a date with a weekday or month name: Date.parse would also read "5" or "1e3" as years.
  if (!/[a-z]{3}/i.test(value)) return null;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
