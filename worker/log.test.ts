import { afterEach, describe, expect, it, vi } from "vitest";
import { log, reason } from "./log";

afterEach(() => vi.restoreAllMocks());

const capture = () => ({
  error: vi.spyOn(console, "error").mockImplementation(() => {}),
  warn: vi.spyOn(console, "warn").mockImplementation(() => {}),
  info: vi.spyOn(console, "log").mockImplementation(() => {}),
});

describe("log: one JSON line per operator event", () => {
  it("writes level, event and the fields as one JSON object on one line", () => {
    const out = capture();
    log("warn", "webhook.retry", { lead: "L1", endpoint: "sales", reason: 'HTTP 503: "down"\nfor maintenance', attempt: 2 });
    expect(out.warn).toHaveBeenCalledTimes(1);
    const line = out.warn.mock.calls[0]?.[0] as string;
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      level: "warn",
      event: "webhook.retry",
      lead: "L1",
      endpoint: "sales",
      reason: 'HTTP 503: "down"\nfor maintenance',
      attempt: 2,
    });
  });

  it("sends each level to the console method Workers observability files it under", () => {
    const out = capture();
    log("error", "a");
    log("warn", "b");
    log("info", "c");
    expect([out.error.mock.calls.length, out.warn.mock.calls.length, out.info.mock.calls.length]).toEqual([1, 1, 1]);
    expect(JSON.parse(out.error.mock.calls[0]?.[0] as string)).toEqual({ level: "error", event: "a" });
  });

  it("leaves out fields that are undefined (a lead not known yet) and keeps nulls", () => {
    const out = capture();
    log("info", "x", { lead: undefined, status: null });
    expect(out.info.mock.calls[0]?.[0]).toBe('{"level":"info","event":"x","status":null}');
  });

  it("reduces an error to its name and message, never its stack", () => {
    const error = new TypeError("boom");
    expect(reason(error)).toBe("TypeError: boom");
    expect(reason(error)).not.toContain("at ");
    expect(reason("plain")).toBe("plain");
  });
});
