/**
 * What becomes of a message after one attempt: a pure decision from the receiver's answer and
 * the retry schedule, so every branch is unit-tested without a receiver.
 */
import { nextAttemptAt } from "./schedule";

export type Outcome =
  | { kind: "delivered" }
  /** 410 Gone: the receiver asks never to be called again; the endpoint is disabled for every lead. */
  | { kind: "disabled" }
  | { kind: "retry"; at: number }
  /** The schedule ran out, or the attempt can never succeed (a refused URL, an endpoint gone from the config). */
  | { kind: "failed" };

export interface AttemptOutcomeInput {
  /** The receiver's HTTP status; null when none came (timeout, network error, missing secret). */
  status: number | null;
  /** True when retrying cannot help: the URL is refused, or the endpoint left the config. */
  permanent?: boolean;
  /** Attempts made so far in this run of the schedule, this one included. */
  tries: number;
  /** When this attempt ended (ms). */
  at: number;
  /** Multiplier of the schedule's delays (see schedule.ts). */
  scale: number;
  /** A `Retry-After` from the receiver, already parsed to milliseconds. */
  retryAfterMs?: number | null;
  random?: () => number;
}

/**
 * @example
 * attemptOutcome({ status: 503, tries: 1, at: now, scale: 1 }) // { kind: "retry", at: now + ~5 s }
 * attemptOutcome({ status: 410, tries: 1, at: now, scale: 1 }) // { kind: "disabled" }
 */
export function attemptOutcome(input: AttemptOutcomeInput): Outcome {
  const { status } = input;
  if (status !== null && status >= 200 && status < 300) return { kind: "delivered" };
  if (status === 410) return { kind: "disabled" };
  if (input.permanent) return { kind: "failed" };
  const next = nextAttemptAt({ attempt: input.tries, at: input.at, scale: input.scale, retryAfterMs: input.retryAfterMs ?? null, random: input.random });
  return next === null ? { kind: "failed" } : { kind: "retry", at: next };
}
