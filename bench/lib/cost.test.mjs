// The cost arithmetic, checked by hand against Cloudflare's own pricing examples.
// Run: node --test bench/lib/
import assert from "node:assert/strict";
import { test } from "node:test";
import { DO_BILLED_GB, PRICES, costOfMillion, costTable, durationGbSecondsPerEvent, rowsWrittenPerEvent } from "./cost.mjs";

const measured = (value) => ({ value });

test("a million events at one Worker request each cost the $0.30 of a million requests", () => {
  const { rows } = costOfMillion({ workerRequests: measured(1) });
  assert.equal(rows.find((r) => r.meter === "workerRequests").usd, 0.3);
});

test("Workers pricing example: 7 ms of CPU per request is $0.14 per million requests", () => {
  // The docs' example 4: (7 ms × 100M − 30M included) / 1M × $0.02 = $13.40; per million, no inclusions: 7M ms × $0.02/M.
  const { rows } = costOfMillion({ workerCpuMs: measured(7) });
  assert.ok(Math.abs(rows.find((r) => r.meter === "workerCpuMs").usd - 0.14) < 1e-12);
});

test("batching 20 events per request divides the request cost by 20", () => {
  const one = costOfMillion({ workerRequests: measured(1), doRequests: measured(1) }).rows;
  const batched = costOfMillion({ workerRequests: measured(1 / 20), doRequests: measured(1 / 20) }).rows;
  for (const meter of ["workerRequests", "doRequests"]) {
    const usd = (rows) => rows.find((r) => r.meter === meter).usd;
    assert.ok(Math.abs(usd(batched) - usd(one) / 20) < 1e-12);
  }
});

test("storage is priced per GB-month: 1 KB per event is 1 GB per million events, $0.20 a month", () => {
  const { rows } = costOfMillion({ doStorageGbMonth: measured(1e3 / 1e9) });
  assert.ok(Math.abs(rows.find((r) => r.meter === "doStorageGbMonth").usd - 0.2) < 1e-12);
});

test("a meter that could not be counted is left out of the total, which becomes a lower bound", () => {
  const usage = { workerRequests: measured(1), doRowsWritten: { value: null, note: "not reported" } };
  const cost = costOfMillion(usage);
  assert.equal(cost.bound, "≥");
  assert.equal(cost.usd, 0.3);
  assert.equal(cost.rows.find((r) => r.meter === "doRowsWritten").usd, null);
});

test("when every meter is counted and one is an upper bound, so is the total", () => {
  const usage = Object.fromEntries(Object.keys(PRICES).map((meter) => [meter, measured(0)]));
  usage.workerCpuMs = { value: 1, bound: "≤" };
  assert.equal(costOfMillion(usage).bound, "≤");
});

test("the table prints n/a with the reason the meter could not be counted", () => {
  const text = costTable([{ label: "hot-1", usage: { workerRequests: measured(1), doRowsWritten: { value: null, note: "the objects do not report it" } } }]);
  assert.match(text, /DO SQLite rows written\s+\$1\.00\/M rows\s+n\/a/);
  assert.match(text, /DO SQLite rows written: the objects do not report it/);
  assert.match(text, /total of what was counted\s+≥\$0\.300/);
});

test("duration: requests one after another on 1,000 objects are bounded by the sum of their latencies", () => {
  // 1,000 requests of 20 ms: at most 20 s of activity, 0.128 GB each, over 1,000 events.
  const perEvent = durationGbSecondsPerEvent({ meanLatencyMs: 20, answered: 1000, seconds: 10, objects: 1000, eventsPerRequest: 1 });
  assert.ok(Math.abs(perEvent - (20 * DO_BILLED_GB) / 1000) < 1e-15);
});

test("duration: 50 requests waiting at once on one hot object are bounded by the run's length, not 50× it", () => {
  // 10,000 requests of 50 ms on one object in 10 s: the latencies sum to 500 s, the object ran 10 s at most.
  const perEvent = durationGbSecondsPerEvent({ meanLatencyMs: 50, answered: 10_000, seconds: 10, objects: 1, eventsPerRequest: 1 });
  assert.ok(Math.abs(perEvent - (10 * DO_BILLED_GB) / 10_000) < 1e-15);
});

test("duration: 20 events per request share their request's time", () => {
  const one = durationGbSecondsPerEvent({ meanLatencyMs: 20, answered: 1000, seconds: 100, objects: 1000, eventsPerRequest: 1 });
  const twenty = durationGbSecondsPerEvent({ meanLatencyMs: 20, answered: 1000, seconds: 100, objects: 1000, eventsPerRequest: 20 });
  assert.ok(Math.abs(twenty - one / 20) < 1e-15);
});

test("duration: a run that answered nothing has no per-event figure", () => {
  assert.equal(durationGbSecondsPerEvent({ meanLatencyMs: Number.NaN, answered: 0, seconds: 10, objects: 1, eventsPerRequest: 1 }), null);
});

test("rows written: the entries the databases gained, per event; a span that lost entries counts 0", () => {
  assert.equal(rowsWrittenPerEvent({ before: 100, after: 4100, events: 1000 }), 4);
  assert.equal(rowsWrittenPerEvent({ before: 500, after: 400, events: 10 }), 0);
  assert.equal(rowsWrittenPerEvent({ before: 0, after: 10, events: 0 }), null);
});

test("Durable Objects pricing: 4 rows written per event is $4.00 per million events, 0.0025 GB-s per event $0.0313", () => {
  const { rows } = costOfMillion({ doRowsWritten: { value: 4, bound: "≥" }, doGbSeconds: { value: 0.0025, bound: "≤" } });
  assert.ok(Math.abs(rows.find((r) => r.meter === "doRowsWritten").usd - 4) < 1e-12);
  // 2,500 GB-s × $12.50 per million GB-s.
  assert.ok(Math.abs(rows.find((r) => r.meter === "doGbSeconds").usd - 0.03125) < 1e-12);
});
