import { describe, expect, it } from "vitest";
import { attemptOutcome } from "./outcome";
import { RETRY_SCHEDULE_MS } from "./schedule";

const AT = Date.UTC(2026, 10, 30);
const noJitter = () => 0.5;

describe("what becomes of a message after an attempt", () => {
  it("any 2xx delivers it", () => {
    for (const status of [200, 202, 204, 299]) expect(attemptOutcome({ status, tries: 1, at: AT, scale: 1 })).toEqual({ kind: "delivered" });
  });

  it("410 Gone disables the endpoint, at any try", () => {
    expect(attemptOutcome({ status: 410, tries: 1, at: AT, scale: 1 })).toEqual({ kind: "disabled" });
    expect(attemptOutcome({ status: 410, tries: RETRY_SCHEDULE_MS.length, at: AT, scale: 1 })).toEqual({ kind: "disabled" });
  });

  it("a failure, a timeout or a missing secret is retried on the schedule, Retry-After honoured", () => {
    expect(attemptOutcome({ status: 503, tries: 1, at: AT, scale: 1, random: noJitter })).toEqual({ kind: "retry", at: AT + (RETRY_SCHEDULE_MS[1] as number) });
    expect(attemptOutcome({ status: null, tries: 1, at: AT, scale: 1, random: noJitter })).toMatchObject({ kind: "retry" });
    const later = attemptOutcome({ status: 429, tries: 1, at: AT, scale: 1, retryAfterMs: 3_600_000, random: noJitter });
    expect(later).toEqual({ kind: "retry", at: AT + 3_600_000 });
  });

  it("fails a message once the schedule has run out", () => {
    expect(attemptOutcome({ status: 500, tries: RETRY_SCHEDULE_MS.length, at: AT, scale: 1 })).toEqual({ kind: "failed" });
  });

  it("fails at once what retrying cannot mend (a refused URL, an endpoint gone from the config)", () => {
    expect(attemptOutcome({ status: null, permanent: true, tries: 1, at: AT, scale: 1 })).toEqual({ kind: "failed" });
  });
});
