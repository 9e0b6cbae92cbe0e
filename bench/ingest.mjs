/**
 * 2. Ingest throughput and latency: the collector under local workerd beside a bare Worker that
 * answers 204 to the same request, both started by `wrangler dev` the same way and kept running
 * side by side, loaded in turn by the same autocannon settings (connections, duration, bodies).
 *
 * Every request carries fresh event ids (ids seen before would be duplicates, not stored). Runs
 * of the two targets alternate, in swapped order each repetition, and each waits until both
 * targets are idle, so one target's background work (alarms, index copies) never lands in the
 * other's numbers. Afterwards every lead is read back: each event the collector acknowledged
 * must be stored.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { cpuSince, groupCpu, quiesce } from "./lib/cpu.mjs";
import { BENCH } from "./lib/paths.mjs";
import { median } from "./lib/stats.mjs";
import { ADMIN_TOKEN, defaultConfig, startBare, startCollector } from "./lib/targets.mjs";

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

/** What the collector acknowledged, per lead id, to check against what it stored. */
function ledger() {
  const acked = new Map();
  let duplicates = 0;
  return {
    acked,
    get duplicates() {
      return duplicates;
    },
    record(responseBody) {
      try {
        const answer = JSON.parse(responseBody);
        acked.set(answer.lead, (acked.get(answer.lead) ?? 0) + answer.accepted);
        duplicates += answer.duplicates;
      } catch {
        // Not the collector's 202 body; counted by status below.
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

async function measureRun(target, scenario, settings) {
  const before = groupCpu(target.pid);
  const { result, statuses } = await load(target, scenario, settings);
  const cpu = cpuSince(before, groupCpu(target.pid));
  const answered = ok(statuses);
  const seconds = result.duration;
  const perRequest = (ms) => (answered ? ms / answered : Number.NaN);
  return {
    rps: answered / seconds,
    eventsPerSec: (answered * scenario.batch) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    answered,
    failed: result.requests.total - answered,
    errors: result.errors,
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

export async function measureIngest({ reps = 3, durationS = 8, warmupS = 2, connections = 50, minRatio = 0.8, log = () => {} } = {}) {
  const config = { ...defaultConfig(), sites: [{ key: SITE, name: "Benchmark", origins: ["http://127.0.0.1"] }], webhooks: [] };
  const [collector, bare] = await Promise.all([startCollector({ name: "ingest", config }), startBare()]);
  const targets = { leadlight: collector, bare };
  const groups = [collector.pid, bare.pid];
  const book = ledger();
  const runs = [];
  try {
    const primed = {};
    for (const [name, target] of Object.entries(targets)) {
      await quiesce(groups);
      primed[name] = await prime(target, connections, name === "leadlight" ? book : null);
      log(`  first touch of ${LEADS} leads on ${name}: ${primed[name].seconds.toFixed(1)} s`);
    }
    for (let rep = 0; rep < reps; rep++) {
      for (const scenario of SCENARIOS) {
        const order = rep % 2 === 0 ? ["leadlight", "bare"] : ["bare", "leadlight"];
        for (const name of order) {
          const target = targets[name];
          const settings = { connections, book: name === "leadlight" ? book : null };
          await quiesce(groups);
          await load(target, scenario, { ...settings, durationS: warmupS });
          const run = await measureRun(target, scenario, { ...settings, durationS });
          runs.push({ rep, scenario: scenario.id, target: name, ...run });
          log(
            `  rep ${rep + 1} ${scenario.id.padEnd(8)} ${name.padEnd(9)} ${run.rps.toFixed(0).padStart(5)} req/s` +
              `  p50 ${run.p50} ms  p99 ${run.p99} ms${run.failed ? `  ${run.failed} failed ${JSON.stringify(run.statuses)}` : ""}`,
          );
        }
      }
    }
    await quiesce(groups);
    const durability = await verify(collector, book);
    return summarize({ runs, primed, durability, minRatio, settings: { reps, durationS, warmupS, connections } });
  } finally {
    await Promise.all([collector.stop(), bare.stop()]);
  }
}

function summarize({ runs, primed, durability, minRatio, settings }) {
  const scenarios = SCENARIOS.map((scenario) => {
    const of = (name) => runs.filter((r) => r.scenario === scenario.id && r.target === name);
    const stat = (name, key) => median(of(name).map((r) => r[key]));
    const side = (name) => ({
      rps: stat(name, "rps"),
      eventsPerSec: stat(name, "eventsPerSec"),
      p50: stat(name, "p50"),
      p99: stat(name, "p99"),
      cpuMsPerRequest: stat(name, "cpuMsPerRequest"),
      workerCpuMsPerRequest: stat(name, "workerCpuMsPerRequest"),
      failed: of(name).reduce((n, r) => n + r.failed, 0),
    });
    // Each repetition runs the two targets back to back: their ratio is paired, and the median of
    // the paired ratios resists the machine's drift better than a ratio of medians.
    const ratios = of("leadlight").map((r) => r.rps / (of("bare").find((b) => b.rep === r.rep)?.rps ?? Number.NaN));
    return { ...scenario, leadlight: side("leadlight"), bare: side("bare"), ratio: median(ratios), ratios };
  });

  const figures = scenarios.map((s) => ({
    id: `ingest.${s.id}.ratio`,
    label: `Ingest ${s.label}: Leadlight/bare req/s`,
    value: s.ratio,
    unit: "×",
    display: `${s.ratio.toFixed(2)}× (${s.leadlight.rps.toFixed(0)} vs ${s.bare.rps.toFixed(0)} req/s)`,
    target: `≥ ${minRatio.toFixed(2)}×`,
    met: s.ratio >= minRatio,
  }));
  figures.push({
    id: "ingest.durable",
    label: "Every acknowledged event stored",
    value: durability.lost,
    unit: "lost",
    display: `${durability.stored} stored / ${durability.acknowledged} acknowledged, ${durability.lost} lost, ${durability.duplicates} duplicates`,
    target: "0 lost",
    met: durability.lost === 0 && durability.duplicates === 0,
  });
  return { settings, primed, scenarios, durability, runs, figures };
}
