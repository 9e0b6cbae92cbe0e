/**
 * `npm run bench`: Leadlight's claims measured in one run, on one machine, as ratios where there
 * is something to compare with. Prints a table (each figure beside its target) and writes
 * bench/results.json. Nothing here runs in `npm test`.
 *
 *   1. snippet size beside Plausible, Counterscale, Segment and PostHog   (size.mjs)
 *   2. ingest throughput and latency against the floor and a bare Worker,
 *      and the cost of a million events                                    (ingest.mjs, lib/cost.mjs)
 *   3. alert latency, qualifying request → signed webhook                  (alerts.mjs)
 *   4. scoring engine, rescore and incremental, in plain Node              (scoring.mjs)
 *   5. page impact in Chromium                                             (page.mjs)
 *   6. Worker bundle size, its contributors, cold start                    (bundle.mjs)
 *   7. rescoring sweep after a rules change, 10,000 leads                  (sweep.mjs)
 *
 * @example
 * npm run bench                                  # everything, 3 repetitions, medians
 * npm run bench -- --only size,scoring           # some sections
 * npm run bench -- --reps 5 --duration 10        # longer ingest runs
 * npm run bench -- --only sweep --sweep-leads 2000  # a smaller sweep
 *
 * It runs from a frozen copy of the checkout (lib/frozen.mjs): this file starts itself again in
 * the copy, with LEADLIGHT_BENCH_FROZEN set, and removes the copy afterwards.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, totalmem, type } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { costTable } from "./lib/cost.mjs";
import { frozenCopy } from "./lib/frozen.mjs";
import { BENCH, ROOT } from "./lib/paths.mjs";
import { fmt, table, verdict } from "./lib/table.mjs";

const SECTIONS = ["size", "ingest", "alerts", "scoring", "page", "bundle", "sweep"];

const { values: options } = parseArgs({
  options: {
    only: { type: "string", default: SECTIONS.join(",") },
    reps: { type: "string", default: "3" },
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
    "sweep-leads": { type: "string", default: "10000" },
    out: { type: "string", default: join(BENCH, "results.json") },
  },
});
const only = new Set(options.only.split(",").map((s) => s.trim()));
for (const name of only) if (!SECTIONS.includes(name)) throw new Error(`--only: no section "${name}" (sections: ${SECTIONS.join(", ")})`);
const reps = Math.max(1, Number(options.reps));
const settings = { reps, durationS: Number(options.duration), warmupS: Number(options.warmup), connections: Number(options.connections) };

const say = (line = "") => console.log(line);
const started = Date.now();

if (!process.env.LEADLIGHT_BENCH_FROZEN) {
  // Peer trackers and the load generator are this folder's own dev dependencies, never the
  // product's; installed in the checkout, which the copy links to.
  if (!existsSync(join(BENCH, "node_modules", "autocannon"))) {
    say("Installing the benchmark's dependencies in bench/ …");
    const command = existsSync(join(BENCH, "package-lock.json")) ? "ci" : "install";
    execFileSync("npm", [command, "--prefix", BENCH, "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
  }
  const copy = frozenCopy(ROOT);
  const frozen = `${copy.commit.slice(0, 12)}${copy.modified ? ` + ${copy.modified} changed or new files` : ""}`;
  say(`Running from a frozen copy of ${frozen} in ${copy.dir} (editing the checkout does not disturb it)`);
  // The results land in the checkout, not in the copy that is removed (the last --out wins).
  const args = [...process.argv.slice(2), "--out", resolve(options.out)];
  const child = spawn(process.execPath, [join(copy.dir, "bench", "run.mjs"), ...args], {
    stdio: "inherit",
    env: { ...process.env, LEADLIGHT_BENCH_FROZEN: frozen },
  });
  // Ctrl-C reaches the run too (same terminal): this process waits for it to end, then removes
  // the copy. A TERM sent to this process alone is passed on.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  const code = await new Promise((done) => child.on("exit", (status, signal) => done(status ?? (signal ? 1 : 0))));
  copy.remove();
  process.exit(code);
}
say("Building (node scripts/build.mjs --dev) …");
// --dev: the config is checked for local development, where every benchmark runs (the shipped
// demo config's loopback webhook is refused for deploy). The check does not change what is built.
execFileSync(process.execPath, ["scripts/build.mjs", "--dev"], { cwd: ROOT, stdio: "inherit" });

const version = (path) => {
  try {
    return JSON.parse(readFileSync(path, "utf8")).version;
  } catch {
    return null;
  }
};
const chromiumVersion = () => {
  try {
    // Debian's wrapper script prints a shell warning on stderr; only the version line matters.
    return execFileSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
};
const machine = {
  cores: cpus().length,
  model: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
  os: `${type()} ${release()}`,
  node: process.version,
  wrangler: version(join(ROOT, "node_modules/wrangler/package.json")),
  chromium: chromiumVersion(),
  loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
};

say();
say(`Leadlight benchmarks, ${new Date(started).toISOString()}`);
say(`Machine: ${machine.cores} cores (${machine.model}), ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}, wrangler ${machine.wrangler}`);
say(`Load average at start: ${machine.loadAverageAtStart.join(", ")} (other work on the machine skews every figure)`);
say(
  `Repetitions: ${reps}, medians reported. Ingest: autocannon, ${settings.connections} connections, ` +
    `${settings.durationS} s runs after ${settings.warmupS} s warm-up, targets alternating.`,
);

// What was measured: the commit the frozen copy was made from, and how many files differed from it.
const results = { machine, source: process.env.LEADLIGHT_BENCH_FROZEN, settings, started: new Date(started).toISOString(), sections: {}, errors: {} };
const log = (line) => say(line);

async function section(name, title, run, print) {
  if (!only.has(name)) return;
  say();
  say(title);
  const t0 = Date.now();
  try {
    const result = await run();
    results.sections[name] = { ...result, seconds: Math.round((Date.now() - t0) / 100) / 10 };
    say();
    say(print(result));
  } catch (error) {
    results.errors[name] = String(error?.stack ?? error);
    say(`  FAILED: ${error?.message ?? error}`);
  }
}

await section(
  "size",
  "1. Snippet size (bytes; deterministic, measured once)",
  async () => (await import("./size.mjs")).measureSizes(),
  ({ rows }) =>
    table(
      [
        ["tracker", "version", "raw", "gzip -9", "brotli", "min+gzip", "file"],
        ...rows.map((r) => [r.name, r.version ?? "", r.raw, r.gzip, r.brotli, r.minified.gzip, r.file]),
      ],
      { align: "llrrrrl" },
    ) + "\n  (min+gzip: each file minified again by esbuild, for files published unminified; targets use the published files)",
);

await section(
  "alerts",
  "3. Alert latency (identify, then demo_request → signed lead.sql webhook at a local receiver)",
  async () => (await import("./alerts.mjs")).measureAlerts({ reps, log }),
  ({ runs, rejectedSignatures }) =>
    table(
      [
        ["rep", "alerts", "p50", "p99", "202 p50"],
        ...runs.map((r, i) => [i + 1, r.samples.length, `${fmt(r.p50)} ms`, `${fmt(r.p99)} ms`, `${fmt(r.ackP50)} ms`]),
      ],
      { align: "rrrrr" },
    ) + `\n  signatures rejected by the receiver: ${rejectedSignatures}`,
);

await section(
  "scoring",
  "4. Scoring engine (plain Node, bundled from worker/scoring/engine.ts)",
  async () => (await import("./scoring.mjs")).measureScoring({ reps }),
  ({ runs }) =>
    table(
      [
        ["rep", "rescore 10k events", "p99", "from stored rows", "incremental events/s"],
        ...runs.map((r, i) => [i + 1, `${fmt(r.rescoreMs)} ms`, `${fmt(r.rescoreP99Ms)} ms`, `${fmt(r.fromRowsMs)} ms`, fmt(r.incrementalEventsPerSec)]),
      ],
      { align: "rrrrr" },
    ),
);

const INGEST_TARGETS = [
  ["leadlight", "Leadlight"],
  ["floor", "floor"],
  ["bare", "bare"],
];

await section(
  "ingest",
  "2. Ingest throughput and latency (collector vs the floor and a bare Worker, all under wrangler dev)",
  async () => (await import("./ingest.mjs")).measureIngest({ ...settings, log }),
  ({ scenarios, durability, primed, targets }) =>
    table(
      [
        ["scenario", "Worker", "req/s", "events/s", "p50", "p99", "CPU/req", "of which Worker", "failed", "÷ floor", "÷ bare"],
        ...scenarios.flatMap((s) =>
          INGEST_TARGETS.map(([name, label], i) => {
            const side = s[name];
            return [
              i === 0 ? s.label : "",
              label,
              fmt(side.rps),
              fmt(side.eventsPerSec),
              `${fmt(side.p50)} ms`,
              `${fmt(side.p99)} ms`,
              `${fmt(side.cpuMsPerRequest)} ms`,
              `${fmt(side.workerCpuMsPerRequest)} ms`,
              side.failed ? `${side.failed} (${side.non2xx} non-2xx, ${side.errors} errors, ${side.timeouts} timeouts)` : 0,
              i === 0 ? `${fmt(s.ratioFloor, 2)}×` : "",
              i === 0 ? `${fmt(s.ratioBare, 2)}×` : "",
            ];
          }),
        ),
      ],
      { align: "llrrrrrrrrr" },
    ) +
    "\n  ÷ floor, ÷ bare: Leadlight's req/s over the floor's (a minimal Worker storing each event in the visitor's SQLite Durable" +
    "\n  Object: the target) and over the bare Worker's (204, stores nothing: for reference); medians of paired per-repetition ratios." +
    "\n  CPU/req: CPU time of all the target's processes (wrangler's node, its proxy workerd, the Worker's workerd) per answered" +
    "\n  request; \"of which Worker\": the Worker's own workerd. failed: answers other than 2xx (wrangler's proxy says 503 when it" +
    "\n  loses the Worker mid-request), connection errors and timeouts (30 s)." +
    `\n  first touch of 1,000 leads (not measured above): Leadlight ${fmt(primed.leadlight.seconds)} s, floor ${fmt(primed.floor.seconds)} s, bare ${fmt(primed.bare.seconds)} s` +
    `\n  durability: ${durability.acknowledged} events acknowledged with 202 across ${durability.leads} leads, ` +
    (durability.error ? `read-back FAILED: ${durability.error}` : `${durability.stored} stored, ${durability.lost} lost, ${durability.duplicates} duplicates`) +
    "\n  (stored exceeds acknowledged by the requests still in flight when each run stopped: stored, never counted)" +
    "\n  D1 statements per lead change (a 202 that stored at least one new event; statements of every D1 answer while the scenario" +
    "\n  ran, warm-ups and the index copies after it included): " +
    scenarios
      .map(({ id, d1PerChange: d }) => `${id} ${d.value === null ? "n/a" : `${d.unreadable ? "≥" : ""}${fmt(d.value, 3)}`} (${d.statements}/${d.changes})`)
      .join(", ") +
    `; target ≤ ${targets.maxD1PerChange} with 1,000 leads` +
    ["leadlight", "floor"]
      .map(
        (name) =>
          `\n\n  Cost of 1,000,000 events, ${name === "leadlight" ? "Leadlight" : "the floor"} (usage counted from outside; see bench/README.md)\n` +
          costTable(scenarios.map((s) => ({ label: s.id, usage: s.cost[name].usage }))),
      )
      .join(""),
);

await section(
  "page",
  "5. Page impact (Chromium, the demo pages /demo/ then /demo/pricing in one tab, a new visitor each visit)",
  async () => (await import("./page.mjs")).measurePage({ reps, log }),
  ({ runs, chromium }) =>
    table(
      [
        ["rep", "views", "s.js eval, 1st page", "s.js eval, next page", "long tasks made by s.js", "long frames running s.js", "long tasks (any)", "beacons/view"],
        ...runs.map((r, i) => [
          i + 1,
          r.views,
          `${fmt(r.firstEvaluateMs)} ms`,
          `${fmt(r.laterEvaluateMs)} ms`,
          r.causedLongFrames,
          r.snippetLongFrames,
          r.pageLongTasks,
          fmt(r.beaconsPerView),
        ]),
      ],
      { align: "rrrrrrrr" },
    ) +
    `\n  Chromium ${chromium}. "made by s.js": frames over 50 ms that would not be without the snippet's own script time` +
    "\n  (Long Animation Frames API); the page's own long tasks (layout, its other scripts) are counted apart.",
);

await section(
  "bundle",
  "6. Worker bundle (wrangler deploy --dry-run, offline) and cold start",
  async () => (await import("./bundle.mjs")).measureBundle({ reps, log }),
  ({ sizes, byPackage, byFolder, coldSummary }) => {
    const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
    const share = (rows) => rows.map((r) => [r.name, kib(r.bytes), `${(r.share * 100).toFixed(1)} %`]);
    const ms = (s) => `${fmt(s.median)} ms (${fmt(s.min)}–${fmt(s.max)})`;
    return (
      table([["bundle", "raw", "gzip", "modules"], ...Object.entries(sizes).map(([name, s]) => [name, kib(s.raw), kib(s.gzip), s.modules.join(", ")])], {
        align: "lrrl",
      }) +
      "\n  gzip: zlib's default level over the uploaded modules, as wrangler's \"Total Upload\" line and Cloudflare's limit measure it." +
      "\n\n  Largest contributors to the minified collector (bytes in the bundle, from esbuild's metafile of that very build)\n" +
      table([["package", "bytes", "share"], ...share(byPackage)], { align: "lrr" }) +
      "\n\n" +
      table([["folder", "bytes", "share"], ...share(byFolder)], { align: "lrr" }) +
      "\n\n  Cold start to the first 202 of POST /v1/events, fresh storage (median, range)\n" +
      table(
        [
          ["Worker", "wrangler dev spawned → 202", "workerd started → listening", "→ first 202", "total", "next request"],
          ...Object.entries(coldSummary).map(([name, c]) => [
            name,
            ms(c.wranglerMs),
            ms(c.workerdListeningMs),
            ms(c.workerdFirstRequestMs),
            ms(c.workerdMs),
            ms(c.warmRequestMs),
          ]),
        ],
        { align: "lrrrrr" },
      ) +
      "\n  workerd: a fresh process through miniflare (as wrangler runs it) on the minified dry-run bundle, with wrangler.toml's bindings;" +
      "\n  \"→ first 202\" includes creating the lead's Durable Object and migrating its tables."
    );
  },
);

await section(
  "sweep",
  `7. Rescoring sweep (${Number(options["sweep-leads"]).toLocaleString("en")} known leads, restarted with new rules on the same storage; one run)`,
  async () => (await import("./sweep.mjs")).measureSweep({ leads: Number(options["sweep-leads"]), log }),
  ({ settings, createSeconds, sweepSeconds, ownSeconds, indexSeconds, status }) =>
    table(
      [
        ["leads", "made in", "restart → sweep done", "sweep's own clock", "→ listing current", "rescored", "moved", "failed"],
        [settings.leads, `${fmt(createSeconds)} s`, `${fmt(sweepSeconds)} s`, `${fmt(ownSeconds)} s`, `${fmt(indexSeconds)} s`, status.rescored, status.moved, status.failed],
      ],
      { align: "rrrrrrrr" },
    ) +
    "\n  The sweep's own clock runs from the Sweeper taking the new rules (the restarted collector's first request) to its last" +
    "\n  page, a 5 s start delay included. Every lead moves (known → MQL) and queues an alert; no endpoint is configured, so none is sent." +
    "\n  \"listing current\": no known lead left in GET /v1/leads, after each lead's own alarm pushed its index copy.",
);

// The summary: every figure with its target, in the issue's order.
const figures = SECTIONS.flatMap((name) => results.sections[name]?.figures ?? []);
const display = (f) => f.display ?? `${fmt(f.value)}${f.unit && f.unit !== "×" ? ` ${f.unit}` : f.unit}`;
results.figures = figures;
results.finished = new Date().toISOString();
results.seconds = Math.round((Date.now() - started) / 1000);

say();
say(`Summary (${machine.cores} cores, ${machine.model}; medians of ${reps} repetitions)`);
say(table([["figure", "value", "target", ""], ...figures.map((f) => [f.label, display(f), f.target, verdict(f.met)])], { align: "llll" }));
for (const [name, error] of Object.entries(results.errors)) say(`  section ${name} FAILED: ${error.split("\n")[0]}`);
const missed = figures.filter((f) => f.met === false).length;
say();
say(`${figures.filter((f) => f.met === true).length} targets met, ${missed} not met; ${results.seconds} s in all. Results: ${options.out}`);

writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
process.exitCode = Object.keys(results.errors).length > 0 ? 1 : 0;
