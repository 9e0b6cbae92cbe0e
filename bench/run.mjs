/**
 * `npm run bench`: Leadlight's claims measured in one run, on one machine, as ratios where there
 * is something to compare with. Prints a table (each figure beside its target) and writes
 * bench/results.json. Nothing here runs in `npm test`.
 *
 *   1. snippet size beside Plausible, Counterscale, Segment and PostHog   (size.mjs)
 *   2. ingest throughput and latency against a bare Worker                 (ingest.mjs)
 *   3. alert latency, qualifying request → signed webhook                  (alerts.mjs)
 *   4. scoring engine, rescore and incremental, in plain Node              (scoring.mjs)
 *   5. page impact in Chromium                                             (page.mjs)
 *
 * @example
 * npm run bench                                  # everything, 3 repetitions, medians
 * npm run bench -- --only size,scoring           # some sections
 * npm run bench -- --reps 5 --duration 10        # longer ingest runs
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, totalmem, type } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BENCH, ROOT } from "./lib/paths.mjs";
import { fmt, table, verdict } from "./lib/table.mjs";

const SECTIONS = ["size", "ingest", "alerts", "scoring", "page"];

const { values: options } = parseArgs({
  options: {
    only: { type: "string", default: SECTIONS.join(",") },
    reps: { type: "string", default: "3" },
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
    out: { type: "string", default: join(BENCH, "results.json") },
  },
});
const only = new Set(options.only.split(",").map((s) => s.trim()));
for (const name of only) if (!SECTIONS.includes(name)) throw new Error(`--only: no section "${name}" (sections: ${SECTIONS.join(", ")})`);
const reps = Math.max(1, Number(options.reps));
const settings = { reps, durationS: Number(options.duration), warmupS: Number(options.warmup), connections: Number(options.connections) };

const say = (line = "") => console.log(line);
const started = Date.now();

// Peer trackers and the load generator are this folder's own dev dependencies, never the product's.
if (!existsSync(join(BENCH, "node_modules", "autocannon"))) {
  say("Installing the benchmark's dependencies in bench/ …");
  const command = existsSync(join(BENCH, "package-lock.json")) ? "ci" : "install";
  execFileSync("npm", [command, "--prefix", BENCH, "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
}
say("Building (node scripts/build.mjs) …");
execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });

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

const results = { machine, settings, started: new Date(started).toISOString(), sections: {}, errors: {} };
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

await section(
  "ingest",
  "2. Ingest throughput and latency (collector vs bare Worker, both under wrangler dev)",
  async () => (await import("./ingest.mjs")).measureIngest({ ...settings, log }),
  ({ scenarios, durability, primed }) =>
    table(
      [
        ["scenario", "Worker", "req/s", "events/s", "p50", "p99", "CPU/req", "of which Worker", "failed", "ratio"],
        ...scenarios.flatMap((s) =>
          ["leadlight", "bare"].map((name) => {
            const side = s[name];
            return [
              name === "leadlight" ? s.label : "",
              name === "leadlight" ? "Leadlight" : "bare",
              fmt(side.rps),
              fmt(side.eventsPerSec),
              `${fmt(side.p50)} ms`,
              `${fmt(side.p99)} ms`,
              `${fmt(side.cpuMsPerRequest)} ms`,
              `${fmt(side.workerCpuMsPerRequest)} ms`,
              side.failed,
              name === "leadlight" ? `${fmt(s.ratio, 2)}×` : "",
            ];
          }),
        ),
      ],
      { align: "llrrrrrrrr" },
    ) +
    "\n  ratio: Leadlight/bare req/s, the median of the paired per-repetition ratios." +
    "\n  CPU/req: CPU time of all the target's processes (wrangler's node, its proxy workerd, the Worker's workerd) per answered" +
    "\n  request; \"of which Worker\": the Worker's own workerd. failed: answers other than 2xx (wrangler's proxy says 503 when it" +
    "\n  loses the Worker mid-request)." +
    `\n  first touch of 1,000 leads (not measured above): Leadlight ${fmt(primed.leadlight.seconds)} s, bare ${fmt(primed.bare.seconds)} s` +
    `\n  durability: ${durability.acknowledged} events acknowledged with 202 across ${durability.leads} leads, ${durability.stored} stored, ` +
    `${durability.lost} lost, ${durability.duplicates} duplicates` +
    "\n  (stored exceeds acknowledged by the requests still in flight when each run stopped: stored, never counted)",
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
