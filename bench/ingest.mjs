/**
 * 2. Ingest throughput and latency: the collector under local workerd beside two references
 * answering the same request, all three started by `wrangler dev` the same way and kept running
 * side by side, loaded in turn by the same autocannon settings (connections, duration, bodies):
 *
 * - the floor (bench/floor): parses the batch, routes it to the visitor's SQLite Durable Object
 *   and inserts one row per event before answering 202, the least a durable collector must do,
 *   with the same spread over objects as each scenario (one hot object; 1,000 objects);
 * - the bare Worker (bench/bare): answers 204 without reading the body, the runtime alone.
 *
 * Every request carries fresh event ids (ids seen before would be duplicates, not stored). Runs
 * alternate (Leadlight, floor, bare, then the reverse), and each waits until every target is
 * idle, so one target's background work (alarms, index copies) never lands in another's
 * numbers. Afterwards every lead is read back: each event the collector acknowledged must be
 * stored. Usage that the cost table needs is counted on the way (see lib/cost.mjs).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { DO_BILLED_GB, costOfMillion, durationGbSecondsPerEvent, rowsWrittenPerEvent } from "./lib/cost.mjs";
import { cpuSince, groupCpu, quiesce } from "./lib/cpu.mjs";
import { BENCH, ROOT } from "./lib/paths.mjs";
import { median, sleep } from "./lib/stats.mjs";
import { ADMIN_TOKEN, defaultConfig, startBare, startCollector, startFloor } from "./lib/targets.mjs";
import { durableObjectBytes, durableObjectEntries, fileSize, queueProducers, readDevLog } from "./lib/usage.mjs";

const autocannon = createRequire(join(BENCH, "package.json"))("autocannon");

const SITE = "pk_bench";
const LEADS = 1000;
const PATHS = ["/", "/pricing", "/blog/cutting-cloud-costs", "/docs/getting-started", "/resources", "/about"];

export const SCENARIOS = [
  { id: "hot-1", label: "one hot lead, 1 event/request", leads: 1, batch: 1 },
  { id: "leads-1", label: "1,000 leads, 1 event/request", leads: LEADS, batch: 1 },
  { id: "hot-20", label: "one hot lead, 20 events/request", leads: 1, batch: 20 },
  { id: "leads-20", label: "1,000 leads, 20 events/request", leads: LEADS, batch: 20 },
];

const runTag = Date.now().toString(36);
let counter = 0;

/** A batch as the snippet sends it; client timestamps a minute apart, as a person browses. */
function body(scenario) {
  const k = counter++;
  const visitor = scenario.leads === 1 ? "hot" : `lead-${k % scenario.leads}`;
  const at = Date.now();
  const events = [];
  for (let i = 0; i < scenario.batch; i++) {
    events.push({
      id: `${runTag}-${k}-${i}`,
      type: "page_view",
      ts: at - (scenario.batch - i) * 60_000,
      url: `https://bench.example${PATHS[(k + i) % PATHS.length]}`,
      title: "Acme Cloud",
    });
  }
  return JSON.stringify({ site: SITE, visitor, events });
}

/**
 * What a target acknowledged: events, per lead id (to check against what the collector stored),
 * lead changes (202s that stored at least one new event: see MAX_D1_PER_CHANGE), and the SQLite rows
 * its objects reported in the 202 body's `usage`, when they report it (bench/floor does; a
 * collector that adds `usage` to its 202 fills the cost table the same way).
 */
function ledger() {
  const acked = new Map();
  const totals = { events: 0, accepted: 0, duplicates: 0, changes: 0, usageEvents: 0, sqlRowsRead: 0, sqlRowsWritten: 0 };
  return {
    acked,
    totals,
    get duplicates() {
      return totals.duplicates;
    },
    record(responseBody) {
      try {
        const answer = JSON.parse(responseBody);
        const events = answer.accepted + answer.duplicates;
        totals.events += events;
        totals.accepted += answer.accepted;
        totals.duplicates += answer.duplicates;
        if (answer.accepted > 0) totals.changes++;
        if (answer.lead) acked.set(answer.lead, (acked.get(answer.lead) ?? 0) + answer.accepted);
        if (answer.usage) {
          totals.usageEvents += events;
          totals.sqlRowsRead += answer.usage.sql_rows_read;
          totals.sqlRowsWritten += answer.usage.sql_rows_written;
        }
      } catch {
        // Not a 202 body; counted by status below.
      }
    },
  };
}

/** One autocannon run; resolves with its result and the statuses seen. Bounded by duration/amount. */
function load(target, scenario, { connections, durationS, amount, book }) {
  const statuses = {};
  const options = {
    url: `${target.url}/v1/events`,
    method: "POST",
    connections,
    // A request unanswered this long counts as a timeout (and the run goes on).
    timeout: 30,
    headers: { "content-type": "text/plain" },
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: body(scenario) }),
        onResponse: (status, responseBody) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 202 && book) book.record(responseBody);
        },
      },
    ],
    ...(amount ? { amount, duration: 600 } : { duration: durationS }),
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve({ result, statuses })));
    // A hard stop well past the planned end, whatever happens.
    const cap = setTimeout(() => instance.stop(), ((amount ? 240 : durationS) + 30) * 1000);
    instance.on("done", () => clearTimeout(cap));
  });
}

const ok = (statuses) => Object.entries(statuses).reduce((n, [status, count]) => (Number(status) < 300 ? n + count : n), 0);
const all = (statuses) => Object.values(statuses).reduce((n, count) => n + count, 0);

async function measureRun(target, scenario, settings) {
  const before = groupCpu(target.pid);
  const { result, statuses } = await load(target, scenario, settings);
  const cpu = cpuSince(before, groupCpu(target.pid));
  const answered = ok(statuses);
  const seconds = result.duration;
  const perRequest = (ms) => (answered ? ms / answered : Number.NaN);
  // Failed: answers other than 2xx, and requests that got no answer (autocannon counts timeouts
  // among its errors).
  const non2xx = all(statuses) - answered;
  return {
    rps: answered / seconds,
    eventsPerSec: (answered * scenario.batch) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    meanLatencyMs: result.latency.mean,
    seconds,
    requests: result.requests.total,
    sent: result.requests.sent,
    answered,
    failed: non2xx + result.errors,
    non2xx,
    errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    statuses,
    cpuMsPerRequest: perRequest(Object.values(cpu).reduce((a, b) => a + b, 0)),
    workerCpuMsPerRequest: perRequest(cpu.worker ?? 0),
    // wrangler (node), proxy (wrangler's workerd in front), worker (the Worker's own workerd)
    cpuMsPerRequestByRole: Object.fromEntries(Object.entries(cpu).map(([role, ms]) => [role, perRequest(ms)])),
  };
}

async function adminJson(collector, path) {
  const response = await fetch(`${collector.url}${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Reads every lead back and compares what it holds with what was acknowledged. */
async function verify(collector, book) {
  const leads = [...book.acked.entries()];
  let stored = 0;
  let acknowledged = 0;
  let short = 0;
  let next = 0;
  const worker = async () => {
    while (next < leads.length) {
      const [id, acked] = leads[next++];
      const view = await adminJson(collector, `/v1/leads/${id}`);
      const held = view.lead.events_total;
      stored += held;
      acknowledged += acked;
      if (held < acked) short += acked - held;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return { leads: leads.length, acknowledged, stored, lost: short, duplicates: book.duplicates };
}

/** First touch of every lead of the many-leads scenarios (objects created, tables migrated). */
async function prime(target, connections, book) {
  const started = Date.now();
  const { statuses } = await load(target, SCENARIOS[1], { connections, amount: LEADS, book });
  return { seconds: (Date.now() - started) / 1000, answered: ok(statuses), statuses };
}

const NAMES = ["leadlight", "floor", "bare"];
/** Leadlight and the floor always side by side (their ratio is the target), first in turn. */
const orderOf = (rep) => (rep % 2 === 0 ? NAMES : [...NAMES].reverse());
/**
 * The last lead index copies, waited for before the last window closes: a lead sends its score's
 * copy 30 s after the change (worker/lead/index-sync.ts), and the queue hands it to the consumer
 * within 1 s (max_batch_timeout in wrangler.toml); plus margin.
 */
const INDEX_SETTLE_MS = 32_500;
/**
 * workerd evicts an object idle for 10 s, and evicting 1,000 of them (closing their SQLite
 * databases) is work in that target's process that began after the idle check starting the next
 * run. So a run that touched 1,000 objects (Leadlight's or the floor's) is followed by this wait.
 * Before it, Leadlight running right after the floor's 1,000-lead run measured 0.43× and 0.53× the
 * floor with 1 event per request (two runs), against 0.72–0.78× in the other repetitions.
 */
const EVICTION_MS = 11_000;
/** Targets whose runs leave objects to evict: the bare Worker has none. */
const hasObjects = (name) => name !== "bare";

/**
 * After a 1,000-lead run: the floor's objects are evicted; Leadlight's first send their score's
 * index copies, half a minute after each lead's first event of the run (a lead the index lists;
 * worker/lead/index-sync.ts), which wakes all 1,000 of them again, and are evicted 10 s after
 * that. That wave is Leadlight's work (the cost table counts it), but it landed in the next
 * target's run: in the floor's, when Leadlight ran first, lowering the floor. So Leadlight's run
 * is followed by the wave, then the eviction.
 */
async function settleAfter(name, groups) {
  if (!hasObjects(name)) return;
  if (name === "leadlight") {
    await sleep(INDEX_SETTLE_MS);
    await quiesce(groups);
  }
  await sleep(EVICTION_MS);
}

/**
 * The target: at most this many D1 statements per lead change in the 1,000-lead scenarios. A
 * lead change is one request the collector answered 202 having stored at least one new event:
 * that lead's stored state (its events, score, last seen) changed once, and its copy in the lead
 * index (D1) owes the change. With one event per request it is one accepted event. Statements:
 * every statement of every D1 answer in wrangler's debug log over the scenario's windows (index
 * copies written by the queue consumer, anything else the Worker asks D1), warm-ups included,
 * ÷ the lead changes acknowledged in the same windows.
 */
export const MAX_D1_PER_CHANGE = 0.05;

export async function measureIngest({
  reps = 3,
  durationS = 8,
  warmupS = 2,
  connections = 50,
  minRatio = 0.8,
  maxD1PerChange = MAX_D1_PER_CHANGE,
  log = () => {},
} = {}) {
  const config = { ...defaultConfig(), sites: [{ key: SITE, name: "Benchmark", origins: ["http://127.0.0.1"] }], webhooks: [] };
  const [collector, floor, bare] = await Promise.all([startCollector({ name: "ingest", config }), startFloor(), startBare()]);
  const targets = { leadlight: collector, floor, bare };
  const groups = NAMES.map((name) => targets[name].pid);
  const books = { leadlight: ledger(), floor: ledger(), bare: null };
  const runs = [];
  // Leadlight's D1 writes happen in alarms after a run: each Leadlight window runs from the start
  // of its warm-up to the start of the next Leadlight warm-up, so its alarms land in it. Each
  // mark is taken once every target is idle: the objects' SQLite entries are counted then too.
  const windows = [];
  const openWindow = (scenario) => {
    const open = windows.at(-1);
    const { events, accepted, changes } = books.leadlight.totals;
    const mark = { logAt: fileSize(collector.logPath), events, accepted, changes, entries: durableObjectEntries(collector.persistTo) };
    if (open && !open.end) open.end = mark;
    if (scenario) windows.push({ scenario: scenario.id, start: mark });
  };
  try {
    const primed = {};
    for (const name of NAMES) {
      await quiesce(groups);
      primed[name] = await prime(targets[name], connections, books[name]);
      log(`  first touch of ${LEADS} leads on ${name}: ${primed[name].seconds.toFixed(1)} s`);
      if (hasObjects(name)) await sleep(EVICTION_MS);
    }
    for (let rep = 0; rep < reps; rep++) {
      for (const scenario of SCENARIOS) {
        for (const name of orderOf(rep)) {
          const target = targets[name];
          const settings = { connections, book: books[name] };
          await quiesce(groups);
          if (name === "leadlight") openWindow(scenario);
          const logAt = fileSize(target.logPath);
          await load(target, scenario, { ...settings, durationS: warmupS });
          const run = await measureRun(target, scenario, { ...settings, durationS });
          // A source file changed under wrangler dev (a shared checkout): this run measured a reload.
          run.reloads = readDevLog(target.logPath, logAt).reloads;
          runs.push({ rep, scenario: scenario.id, target: name, ...run });
          log(
            `  rep ${rep + 1} ${scenario.id.padEnd(8)} ${name.padEnd(9)} ${run.rps.toFixed(0).padStart(5)} req/s` +
              `  p50 ${run.p50} ms  p99 ${run.p99} ms` +
              (run.reloads ? `  RELOADED by wrangler ${run.reloads}× (source changed mid-run: not comparable)` : "") +
              (run.failed ? `  ${run.failed} failed (${run.timeouts} timeouts, ${run.errors} errors, ${JSON.stringify(run.statuses)})` : "") +
              (run.answered === 0 ? `  nothing answered (${run.sent} sent)` : ""),
          );
          if (scenario.leads > 1) await settleAfter(name, groups);
        }
      }
    }
    await quiesce(groups);
    await sleep(INDEX_SETTLE_MS);
    await quiesce(groups);
    openWindow(null);
    const d1 = windows.map((w) => ({
      ...w,
      ...readDevLog(collector.logPath, w.start.logAt, w.end.logAt),
      events: w.end.events - w.start.events,
      accepted: w.end.accepted - w.start.accepted,
      changes: w.end.changes - w.start.changes,
    }));
    const durability = await verify(collector, books.leadlight).catch((error) => ({
      // A collector that cannot be read back fails the durability figure, not the whole section.
      leads: books.leadlight.acked.size,
      acknowledged: [...books.leadlight.acked.values()].reduce((a, b) => a + b, 0),
      stored: null,
      lost: null,
      duplicates: books.leadlight.duplicates,
      error: String(error?.message ?? error),
    }));
    const storage = {
      leadlight: { ...durableObjectBytes(collector.persistTo), events: durability.stored ?? durability.acknowledged },
      floor: { ...durableObjectBytes(floor.persistTo), events: books.floor.totals.events - books.floor.totals.duplicates },
    };
    const queues = { leadlight: await queueProducers(join(ROOT, "wrangler.toml")), floor: await queueProducers(join(BENCH, "floor/wrangler.toml")) };
    return summarize({
      runs,
      primed,
      durability,
      minRatio,
      maxD1PerChange,
      usage: { d1, storage, queues, books },
      settings: { reps, durationS, warmupS, connections },
    });
  } finally {
    await Promise.all([collector.stop(), floor.stop(), bare.stop()]);
  }
}

/**
 * Per event, what each target's scenario would be billed for, counted from outside: requests
 * from the load, CPU from /proc, D1 rows from wrangler's log, storage from disk. See costTable.
 */
function usageOf(name, scenario, of, { d1, storage, queues, books }) {
  const runsOf = of(name);
  const answered = runsOf.reduce((n, r) => n + r.answered, 0);
  const events = answered * scenario.batch;
  const perEvent = (n) => (events ? n / events : null);
  const cpu = median(runsOf.map((r) => r.workerCpuMsPerRequest)) / scenario.batch;
  const stored = storage[name];
  const queueNames = queues[name];
  const sql = books[name].totals;
  const duration = median(
    runsOf
      .map((r) =>
        durationGbSecondsPerEvent({ meanLatencyMs: r.meanLatencyMs, answered: r.answered, seconds: r.seconds, objects: scenario.leads, eventsPerRequest: scenario.batch }),
      )
      .filter((v) => v !== null),
  );
  const usage = {
    workerRequests: { value: perEvent(answered), note: "one per request: the load's answered requests ÷ the events they carried" },
    workerCpuMs: {
      value: Number.isFinite(cpu) ? cpu : null,
      bound: "≤",
      note: "the local workerd's CPU per request (incl. its Durable Objects and local-dev work) ÷ events per request",
    },
    doRequests:
      name === "floor"
        ? { value: perEvent(answered), note: "one RPC per request, by construction" }
        : { value: perEvent(answered), bound: "≥", note: "one RPC per request; alarms and hand-overs add requests not visible from outside" },
    doGbSeconds: Number.isFinite(duration)
      ? {
          value: duration,
          bound: "≤",
          note:
            `upper bound of the objects' time on requests: the smaller of the summed request latencies and the run's length × ${scenario.leads === 1 ? "the one object" : "its objects"}, ` +
            `× ${DO_BILLED_GB * 1000} MB, ÷ events (median of the runs); alarms after the answer (index copies, webhooks) are not in it`,
        }
      : { value: null, note: "no run answered" },
    doRowsRead: { value: null, note: "not reported: a 202 body with usage.sql_rows_read (as bench/floor's) would fill this" },
    doRowsWritten: { value: null, note: "not reported: a 202 body with usage.sql_rows_written (as bench/floor's) would fill this" },
    doStorageGbMonth: stored?.events
      ? {
          value: stored.bytes / stored.events / 1e9,
          note: `SQLite files on disk ÷ events stored, whole run (${stored.databases} objects' databases incl. their fixed overhead)`,
        }
      : { value: null, note: "nothing stored" },
    d1RowsRead: { value: 0, note: "no D1 binding" },
    d1RowsWritten: { value: 0, note: "no D1 binding" },
    queueOperations: queueNames.length
      ? { value: null, note: `queues bound (${queueNames.join(", ")}); operations per event not visible from outside` }
      : { value: 0, note: "no queue bound in its wrangler.toml" },
  };
  if (sql.usageEvents > 0) {
    // Reported by the objects themselves, over every request that carried a report (warm-ups too).
    usage.doRowsRead = { value: sql.sqlRowsRead / sql.usageEvents, note: "reported by the object in each 202 (whole run, all scenarios)" };
    usage.doRowsWritten = { value: sql.sqlRowsWritten / sql.usageEvents, note: "reported by the object in each 202 (whole run, all scenarios)" };
  }
  if (name === "leadlight") {
    const mine = d1.filter((w) => w.scenario === scenario.id);
    const sum = (key) => mine.reduce((n, w) => n + w[key], 0);
    // Counted on disk, unless the objects report their own (a 202 with usage, as the floor's).
    if (!(sql.usageEvents > 0)) usage.doRowsWritten = rowsWrittenOf(mine);
    const windowEvents = sum("events");
    const unreadable = sum("unreadable");
    const note = `D1 answers in wrangler's debug log while this scenario ran (warm-ups included), ÷ its events; index copies are batched per lead, so fewer per event under this load than in sparse traffic${unreadable ? `; ${unreadable} answers unreadable` : ""}`;
    usage.d1RowsRead = { value: windowEvents ? sum("rowsRead") / windowEvents : null, bound: unreadable ? "≥" : undefined, note };
    usage.d1RowsWritten = { value: windowEvents ? sum("rowsWritten") / windowEvents : null, bound: unreadable ? "≥" : undefined, note };
  }
  return usage;
}

/**
 * Leadlight's SQLite rows written per event, a lower bound (rowsWrittenPerEvent in lib/cost.mjs):
 * the table rows and index entries its objects' databases gained over the scenario's windows,
 * ÷ the events it accepted in them.
 */
function rowsWrittenOf(windows) {
  if (windows.some((w) => w.start.entries === null || w.end.entries === null)) {
    return { value: null, note: "counted from the objects' SQLite files with the sqlite3 shell, which is not installed" };
  }
  const sum = (pick) => windows.reduce((n, w) => n + pick(w), 0);
  const unreadable = Math.max(...windows.flatMap((w) => [w.start.entries.unreadable, w.end.entries.unreadable]), 0);
  const value = rowsWrittenPerEvent({ before: sum((w) => w.start.entries.entries), after: sum((w) => w.end.entries.entries), events: sum((w) => w.accepted) });
  return {
    value,
    bound: "≥",
    note:
      "lower bound: table rows and index entries the objects' SQLite files gained while the scenario ran (read with the sqlite3 shell), ÷ events accepted; " +
      "updates and deletes write rows too but add none, events in flight when a run stopped add rows but were not counted accepted" +
      (unreadable ? `; ${unreadable} databases could not be read` : ""),
  };
}

/** D1 statements per lead change (see MAX_D1_PER_CHANGE), over the scenario's windows. */
function d1PerChange(windows) {
  const sum = (key) => windows.reduce((n, w) => n + w[key], 0);
  const [statements, changes, unreadable] = [sum("statements"), sum("changes"), sum("unreadable")];
  // An answer cut short in the log held at least one statement.
  return { value: changes ? (statements + unreadable) / changes : null, statements, changes, unreadable };
}

function summarize({ runs, primed, durability, minRatio, maxD1PerChange, usage, settings }) {
  const scenarios = SCENARIOS.map((scenario) => {
    const of = (name) => runs.filter((r) => r.scenario === scenario.id && r.target === name);
    const stat = (name, key) => median(of(name).map((r) => r[key]));
    const total = (name, key) => of(name).reduce((n, r) => n + r[key], 0);
    const side = (name) => ({
      rps: stat(name, "rps"),
      eventsPerSec: stat(name, "eventsPerSec"),
      p50: stat(name, "p50"),
      p99: stat(name, "p99"),
      cpuMsPerRequest: stat(name, "cpuMsPerRequest"),
      workerCpuMsPerRequest: stat(name, "workerCpuMsPerRequest"),
      failed: total(name, "failed"),
      non2xx: total(name, "non2xx"),
      errors: total(name, "errors"),
      timeouts: total(name, "timeouts"),
      reloads: total(name, "reloads"),
    });
    // Each repetition runs the targets back to back: their ratio is paired, and the median of the
    // paired ratios resists the machine's drift better than a ratio of medians.
    const paired = (other) => of("leadlight").map((r) => r.rps / (of(other).find((b) => b.rep === r.rep)?.rps ?? Number.NaN));
    const ratiosFloor = paired("floor");
    const ratiosBare = paired("bare");
    const cost = Object.fromEntries(
      ["leadlight", "floor"].map((name) => {
        const counted = usageOf(name, scenario, of, usage);
        return [name, { usage: counted, ...costOfMillion(counted) }];
      }),
    );
    return {
      ...scenario,
      d1PerChange: d1PerChange(usage.d1.filter((w) => w.scenario === scenario.id)),
      leadlight: side("leadlight"),
      floor: side("floor"),
      bare: side("bare"),
      ratioFloor: median(ratiosFloor),
      ratiosFloor,
      ratioBare: median(ratiosBare),
      ratiosBare,
      cost,
    };
  });

  const reloaded = (s) => (s.leadlight.reloads ? `, collector RELOADED mid-run ${s.leadlight.reloads}×: not comparable` : "");
  const figures = scenarios.flatMap((s) => [
    {
      id: `ingest.${s.id}.floor`,
      label: `Ingest ${s.label}: Leadlight/floor req/s`,
      value: s.ratioFloor,
      unit: "×",
      display: `${s.ratioFloor.toFixed(2)}× (${s.leadlight.rps.toFixed(0)} vs ${s.floor.rps.toFixed(0)} req/s)${reloaded(s)}`,
      target: `≥ ${minRatio.toFixed(2)}×`,
      met: s.ratioFloor >= minRatio,
    },
    {
      id: `ingest.${s.id}.bare`,
      label: `Ingest ${s.label}: Leadlight/bare req/s`,
      value: s.ratioBare,
      unit: "×",
      display: `${s.ratioBare.toFixed(2)}× (${s.leadlight.rps.toFixed(0)} vs ${s.bare.rps.toFixed(0)} req/s)${reloaded(s)}`,
      target: "(reference)",
      met: null,
    },
  ]);
  for (const s of scenarios.filter((x) => x.leads > 1)) {
    const { value, statements, changes, unreadable } = s.d1PerChange;
    const bound = unreadable ? "≥" : "";
    figures.push({
      id: `ingest.${s.id}.d1`,
      label: `D1 statements per lead change, ${s.label}`,
      value,
      unit: "statements",
      display:
        value === null
          ? "no lead change acknowledged"
          : `${bound}${value.toFixed(3)} (${statements} statements / ${changes} changes${unreadable ? `, ${unreadable} answers unreadable` : ""})`,
      target: `≤ ${maxD1PerChange}`,
      // A lower bound above the target misses it; one below it proves nothing.
      met: value === null ? null : unreadable && value <= maxD1PerChange ? null : value <= maxD1PerChange,
    });
  }
  const failed = Object.fromEntries(NAMES.map((name) => [name, scenarios.reduce((n, s) => n + s[name].failed, 0)]));
  figures.push({
    id: "ingest.failed",
    label: "Ingest failed answers (non-2xx, errors, timeouts)",
    value: failed.leadlight,
    unit: "failed",
    display: `Leadlight ${failed.leadlight}, floor ${failed.floor}, bare ${failed.bare}`,
    target: "0 each",
    met: Object.values(failed).every((n) => n === 0),
  });
  figures.push({
    id: "ingest.durable",
    label: "Every acknowledged event stored",
    value: durability.lost,
    unit: "lost",
    display: durability.error
      ? `read-back failed: ${durability.error}`
      : `${durability.stored} stored / ${durability.acknowledged} acknowledged, ${durability.lost} lost, ${durability.duplicates} duplicates`,
    target: "0 lost",
    met: durability.lost === 0 && durability.duplicates === 0,
  });
  const { books, ...counted } = usage;
  const acknowledged = { leadlight: books.leadlight.totals, floor: books.floor.totals };
  return { settings, targets: { minRatio, maxD1PerChange }, primed, scenarios, durability, usage: { ...counted, acknowledged }, runs, figures };
}
