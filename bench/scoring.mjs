/**
 * 4. Scoring engine, in plain Node: the time to rescore one lead from 10,000 stored events with
 * the default rules (what a Lead object does after a merge or a rules change), and the rate of
 * incremental scoring (fold one event, then read the score, as every ingest does).
 *
 * The TypeScript engine is bundled by esbuild into a temporary module, as scripts/build.mjs does
 * for the config checker, so this measures the code the Worker runs.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { ROOT } from "./lib/paths.mjs";
import { median, now, percentile } from "./lib/stats.mjs";

async function loadEngine() {
  const dir = mkdtempSync(join(tmpdir(), "leadlight-bench-engine-"));
  const outfile = join(dir, "engine.mjs");
  try {
    await build({
      stdin: {
        contents: [
          'export { compileScoring, emptyEngagement, addEvent, scoreAt, rescore } from "./worker/scoring/engine";',
          'export { parseConfig } from "./worker/config";',
          'export { toScored } from "./worker/lead/store";',
        ].join("\n"),
        resolveDir: ROOT,
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile,
      logLevel: "warning",
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A small deterministic generator, so every run scores the same history. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PAGES = ["/", "/pricing", "/pricing/enterprise", "/blog/cutting-cloud-costs", "/docs/getting-started", "/careers", "/about", "/resources"];
const TERMS = ["how to reduce cloud cost", "cloud cost tool", "acme vs rival pricing", "buy acme license", "kubernetes autoscaling"];

/**
 * A lead's history as the events table holds it: mostly page views (some with a search term),
 * downloads, chats, a few track events, the odd bot-flagged one, over the last 90 days.
 */
export function history(count, end, seed = 1) {
  const next = random(seed);
  const span = 90 * 86_400_000;
  const rows = [];
  for (let seq = 1; seq <= count; seq++) {
    const at = Math.round(end - span + (span * seq) / count);
    const roll = next();
    const page = PAGES[Math.floor(next() * PAGES.length)];
    const term = next() < 0.1 ? `?utm_term=${encodeURIComponent(TERMS[Math.floor(next() * TERMS.length)])}` : "";
    const row = { seq, id: `e${seq}`, type: "page_view", name: null, url: `https://acme.example${page}${term}`, ref: null, title: null, props: null, ts: at, received_at: at, visitor: "v1", bot: null };
    if (roll < 0.08) Object.assign(row, { type: "download", props: JSON.stringify({ href: "/guide.pdf" }) });
    else if (roll < 0.12) Object.assign(row, { type: "chat", props: JSON.stringify({ provider: "intercom", action: "started" }) });
    else if (roll < 0.16) Object.assign(row, { type: "track", name: next() < 0.05 ? "demo_request" : "signup_click", props: JSON.stringify({ plan: "pro" }) });
    else if (roll < 0.17) Object.assign(row, { type: "identify", url: null, props: JSON.stringify({ email: "ada@acme.io", traits: { title: "VP Sales" } }) });
    if (next() < 0.02) row.bot = "timing";
    rows.push(row);
  }
  return rows;
}

const TRAITS = { email: "ada@acme.io", title: "VP Engineering", company_size: 200, country: "DE" };

/**
 * One repetition: `samples` timed rescores of 10,000 events after a warm-up, and one timed
 * incremental pass over `foldEvents` events.
 */
function measureOnce(engine, scoring, { events = 10_000, samples = 100, foldEvents = 100_000 }) {
  const end = Date.UTC(2026, 10, 23);
  const rows = history(events, end);
  const scored = rows.map(engine.toScored);
  const compiled = engine.compileScoring(scoring);

  const time = (fn) => {
    for (let i = 0; i < 20; i++) fn(); // warm-up: let the JIT settle
    const times = [];
    for (let i = 0; i < samples; i++) {
      const start = now();
      fn();
      times.push(now() - start);
    }
    return times;
  };
  let check = 0;
  const rescoreTimes = time(() => (check += engine.rescore(compiled, scored, TRAITS, end).score));
  // What a Lead object does from storage: rows mapped to events (props parsed), then rescored.
  const fromRowsTimes = time(() => (check += engine.rescore(compiled, rows.map(engine.toScored), TRAITS, end).score));

  const foldRows = history(foldEvents, end, 2).map(engine.toScored);
  let state = engine.emptyEngagement();
  for (const event of foldRows.slice(0, 1000)) state = engine.addEvent(compiled, state, event); // warm-up
  state = engine.emptyEngagement();
  const start = now();
  for (const event of foldRows) {
    state = engine.addEvent(compiled, state, event);
    check += engine.scoreAt(compiled, state, TRAITS, event.at).score;
  }
  const foldMs = now() - start;
  if (!Number.isFinite(check)) throw new Error("scores are not numbers");
  return {
    rescoreMs: median(rescoreTimes),
    rescoreP99Ms: percentile(rescoreTimes, 99),
    fromRowsMs: median(fromRowsTimes),
    incrementalEventsPerSec: foldEvents / (foldMs / 1000),
  };
}

export async function measureScoring({ reps = 3, budgetMs = 5 } = {}) {
  const engine = await loadEngine();
  const config = engine.parseConfig(JSON.parse(readFileSync(join(ROOT, "leadlight.config.json"), "utf8")));
  const runs = [];
  for (let rep = 0; rep < reps; rep++) runs.push(measureOnce(engine, config.scoring, {}));
  const rescoreMs = median(runs.map((r) => r.rescoreMs));
  const incremental = median(runs.map((r) => r.incrementalEventsPerSec));
  return {
    runs,
    figures: [
      {
        id: "scoring.rescore10k",
        label: "Rescore one lead from 10,000 events (default rules)",
        value: rescoreMs,
        unit: "ms",
        display: `${rescoreMs.toFixed(2)} ms (p99 ${median(runs.map((r) => r.rescoreP99Ms)).toFixed(2)} ms)`,
        target: `≤ ${budgetMs} ms`,
        met: rescoreMs <= budgetMs,
      },
      {
        id: "scoring.rescore10k.rows",
        label: "… from stored rows (props parsed, as the Lead object does)",
        value: median(runs.map((r) => r.fromRowsMs)),
        unit: "ms",
        target: "",
        met: null,
      },
      {
        id: "scoring.incremental",
        label: "Incremental scoring (addEvent + scoreAt per event)",
        value: incremental,
        unit: "events/s",
        target: "",
        met: null,
      },
    ],
  };
}
