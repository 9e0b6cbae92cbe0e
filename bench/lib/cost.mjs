/**
 * What 1,000,000 ingested events cost on Cloudflare's Workers Paid plan, from the usage one event
 * causes. The prices are the marginal ones: usage past the plan's monthly inclusions (and past
 * its $5 minimum), which is what each further million events costs at scale.
 *
 * Usage comes per meter as `{ value, bound, note }`: `value` per event (null when it cannot be
 * counted yet), `bound` "≥" or "≤" when the count is a bound rather than a measurement, `note`
 * how it was counted or why it is missing. A meter the benchmark cannot see is printed "n/a"
 * with its reason; once it can be counted, pass the count and the table fills in. Two meters
 * cannot be read from outside exactly and are estimated by the functions below, each a bound:
 * Durable Object duration (`durationGbSecondsPerEvent`, "≤") and SQLite rows written
 * (`rowsWrittenPerEvent`, "≥").
 *
 * @example
 * costTable([{ label: "hot", usage: { workerRequests: { value: 1 }, doRowsWritten: { value: null, note: "not reported" } } }]);
 */
import { table } from "./table.mjs";

/** The day the prices below were read from Cloudflare's documentation. */
export const PRICES_TAKEN = "2026-11-30";

const WORKERS = "https://developers.cloudflare.com/workers/platform/pricing/";
const DURABLE_OBJECTS = "https://developers.cloudflare.com/durable-objects/platform/pricing/";
const D1 = "https://developers.cloudflare.com/d1/platform/pricing/";
const QUEUES = "https://developers.cloudflare.com/queues/platform/pricing/";

/**
 * Workers Paid (Standard usage model) prices, as published on PRICES_TAKEN. `usd` per `per` units
 * beyond `included` (per month). Durable Object duration is billed for 128 MB whatever the object
 * uses; SQLite-backed objects are billed rows like D1; a queue message of up to 64 KB costs one
 * operation to write, one to read, one to delete.
 */
export const PRICES = {
  workerRequests: { label: "Worker requests", unit: "requests", usd: 0.3, per: 1e6, included: "10 million", source: WORKERS },
  workerCpuMs: { label: "Worker CPU time", unit: "CPU ms", usd: 0.02, per: 1e6, included: "30 million CPU ms", source: WORKERS },
  doRequests: { label: "Durable Object requests", unit: "requests", usd: 0.15, per: 1e6, included: "1 million", source: DURABLE_OBJECTS },
  doGbSeconds: { label: "Durable Object duration", unit: "GB-s", usd: 12.5, per: 1e6, included: "400,000 GB-s", source: DURABLE_OBJECTS },
  doRowsRead: { label: "DO SQLite rows read", unit: "rows", usd: 0.001, per: 1e6, included: "25 billion", source: DURABLE_OBJECTS },
  doRowsWritten: { label: "DO SQLite rows written", unit: "rows", usd: 1.0, per: 1e6, included: "50 million", source: DURABLE_OBJECTS },
  doStorageGbMonth: { label: "DO SQLite storage, 1 month", unit: "GB-month", usd: 0.2, per: 1, included: "5 GB-month", source: DURABLE_OBJECTS },
  d1RowsRead: { label: "D1 rows read", unit: "rows", usd: 0.001, per: 1e6, included: "25 billion", source: D1 },
  d1RowsWritten: { label: "D1 rows written", unit: "rows", usd: 1.0, per: 1e6, included: "50 million", source: D1 },
  queueOperations: { label: "Queue operations", unit: "operations", usd: 0.4, per: 1e6, included: "1 million", source: QUEUES },
};

/** Duration is billed for the 128 MB an object is allocated (GB-s = seconds × 0.128). */
export const DO_BILLED_GB = 0.128;

/**
 * Durable Object duration per event, in GB-s, from what a load run measures: an upper bound of
 * the time objects spend on its requests. An object is billed wall-clock time while it runs a
 * request or an event handler (or sits idle unable to hibernate, which an object holding no
 * WebSocket and no pending work does not), so:
 *
 * - each request keeps its object active at most for the request's whole latency as the client
 *   saw it (which also holds the Worker, the network and the queueing in front of the object),
 *   and requests running at once on one object share that time: the sum of latencies
 *   (mean × answered) bounds it from above;
 * - no object is active longer than the run: `seconds × objects` bounds it too, and is the
 *   tighter bound when many requests wait on one hot object.
 *
 * The smaller of the two, in seconds, × the 128 MB billed, ÷ the events answered. Alarms and
 * other work an object does after the answer are not in it (see the note where it is used).
 *
 * @example
 * durationGbSecondsPerEvent({ meanLatencyMs: 20, answered: 1000, seconds: 10, objects: 1000, eventsPerRequest: 1 }); // 0.00256
 */
export function durationGbSecondsPerEvent({ meanLatencyMs, answered, seconds, objects, eventsPerRequest }) {
  const events = answered * eventsPerRequest;
  if (!(events > 0) || !Number.isFinite(meanLatencyMs) || !Number.isFinite(seconds)) return null;
  const activeSeconds = Math.min((meanLatencyMs / 1000) * answered, seconds * objects);
  return (activeSeconds * DO_BILLED_GB) / events;
}

/**
 * SQLite rows written per event, a lower bound: the table rows and index entries the objects'
 * databases gained over a span (`before`, `after`: durableObjectEntries in usage.mjs) ÷ the
 * events stored in it. Each inserted row is billed one row written, and one more per index it
 * enters, which is what an entry on disk is; an update or a delete writes rows too but adds no
 * entry, so the true count is at least this. A span that lost entries counts 0, not less.
 *
 * @example
 * rowsWrittenPerEvent({ before: 100, after: 4_100, events: 1_000 }); // 4
 */
export function rowsWrittenPerEvent({ before, after, events }) {
  if (!(events > 0) || !Number.isFinite(before) || !Number.isFinite(after)) return null;
  return Math.max(0, after - before) / events;
}

const EVENTS = 1_000_000;

/**
 * The cost of EVENTS events for one usage: a row per meter in PRICES order, and the total of the
 * meters that could be counted. The total is a lower bound ("≥") when a meter is missing or only
 * bounded from below.
 */
export function costOfMillion(usage, prices = PRICES) {
  const rows = Object.entries(prices).map(([meter, price]) => {
    const counted = usage[meter];
    const perEvent = counted?.value;
    if (typeof perEvent !== "number" || !Number.isFinite(perEvent)) {
      return { meter, perEvent: null, quantity: null, usd: null, bound: null, note: counted?.note ?? "not counted" };
    }
    const quantity = perEvent * EVENTS;
    return { meter, perEvent, quantity, usd: (quantity / price.per) * price.usd, bound: counted.bound ?? null, note: counted.note ?? null };
  });
  const known = rows.filter((r) => r.usd !== null);
  const usd = known.reduce((sum, r) => sum + r.usd, 0);
  const incomplete = known.length < rows.length || known.some((r) => r.bound === "≥");
  const upper = known.some((r) => r.bound === "≤");
  return { rows, usd, bound: incomplete ? "≥" : upper ? "≤" : null };
}

/** Dollars with three significant digits, small amounts included ($0.000300). */
export function money(usd) {
  if (typeof usd !== "number" || !Number.isFinite(usd)) return "n/a";
  if (usd === 0) return "$0";
  return `$${usd >= 1 ? usd.toFixed(2) : usd.toPrecision(3)}`;
}

/** A per-event count, short. */
const count = (value) => (value === 0 ? "0" : Math.abs(value) >= 1 ? value.toFixed(value % 1 ? 2 : 0) : value.toPrecision(3));

/**
 * One table for several usages side by side (columns), a row per meter: the cost of a million
 * events, with the per-event count beside it. Beneath: how each meter was counted, or why it
 * reads n/a (once per distinct reason).
 *
 * @param {{ label: string, usage: Record<string, {value: number|null, bound?: string, note?: string}> }[]} columns
 */
export function costTable(columns, prices = PRICES) {
  const costs = columns.map((c) => costOfMillion(c.usage, prices));
  const cell = (row, price) =>
    row.usd === null ? "n/a" : `${row.bound ?? ""}${money(row.usd)} (${row.bound ?? ""}${count(row.perEvent)} ${price.unit})`;
  const header = ["per 1,000,000 events", "price", ...columns.map((c) => c.label)];
  const rows = Object.entries(prices).map(([meter, price], i) => [
    price.label,
    `${money(price.usd)}/${price.per === 1 ? "" : "M "}${price.unit}`,
    ...costs.map((c) => cell(c.rows[i], price)),
  ]);
  const total = ["total of what was counted", "", ...costs.map((c) => `${c.bound ?? ""}${money(c.usd)}`)];
  // Each distinct note once, naming the columns it concerns when not all of them.
  const notes = new Map();
  costs.forEach((c, column) => {
    for (const row of c.rows) {
      if (!row.note) continue;
      const key = `${prices[row.meter].label}: ${row.note}`;
      notes.set(key, [...(notes.get(key) ?? []), columns[column].label]);
    }
  });
  const lines = [...notes].map(([note, labels]) => (labels.length === columns.length ? note : `${note} (${labels.join(", ")})`));
  return (
    table([header, ...rows, total], { align: "ll" + "r".repeat(columns.length) }) +
    `\n  Per event in parentheses. Marginal Workers Paid prices (past the monthly inclusions and the $5 minimum), read ${PRICES_TAKEN}:` +
    `\n  ${[...new Set(Object.values(prices).map((p) => p.source))].join("\n  ")}` +
    lines.map((line) => `\n  - ${line}`).join("")
  );
}
