/**
 * 7. Rescoring sweep: how long after new scoring rules go live every lead carries them.
 *
 * The collector makes `leads` known leads (server-side POST /v1/identify, a business email each:
 * 10 points, known), waits until the lead index holds them all, and is stopped. It is started
 * again on the same storage with the business-email rule worth 50, as a deploy would start it:
 * every lead now crosses MQL (40), so every one is rescored and moves. Timed from the restarted
 * collector's first answer to GET /v1/rescore saying `done` (each lead visited and rescored,
 * stage moved, alert queued), and to the listing holding no known lead (each lead's index copy,
 * pushed by its own alarm). No webhook endpoint is configured: the alerts are queued, not sent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sleep } from "./lib/stats.mjs";
import { ADMIN_TOKEN, defaultConfig, startCollector } from "./lib/targets.mjs";

const SITE = "pk_bench";
const CREATE_CONCURRENCY = 32;
const CREATE_ATTEMPTS = 3;
const POLL_MS = 250;
const CREATE_TIMEOUT_MS = 30 * 60_000;
const SWEEP_TIMEOUT_MS = 60 * 60_000;

/** The default rules with the business-email fit rule worth `points`, for one benchmark site. */
function config(points) {
  const base = defaultConfig();
  return {
    ...base,
    sites: [{ key: SITE, name: "Benchmark", origins: ["http://127.0.0.1"] }],
    scoring: { ...base.scoring, fit: base.scoring.fit.map((rule) => (rule.id === "business-email" ? { ...rule, points } : rule)) },
    webhooks: [],
  };
}

async function admin(collector, path, init = {}) {
  const response = await fetch(`${collector.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** Runs `poll` every POLL_MS until it returns something, or throws after `timeoutMs`. */
async function until(what, timeoutMs, poll) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await poll();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** Leads in the index, from the funnel's first step (every lead first seen since 1970). */
const indexed = async (collector) => (await admin(collector, `/v1/stats?site=${SITE}&from=0`)).funnel.find((s) => s.stage === "visitors")?.count ?? 0;

/**
 * Makes `count` known leads. A request wrangler's local proxy drops under this load is sent again
 * (an identify repeated is harmless: same lead, one more identify event); the retries are counted.
 */
async function createLeads(collector, count, log) {
  let next = 0;
  let retried = 0;
  const failures = [];
  const worker = async () => {
    while (next < count) {
      const index = next++;
      for (let attempt = 1; ; attempt++) {
        try {
          await admin(collector, "/v1/identify", { method: "POST", body: JSON.stringify({ site: SITE, email: `lead-${index}@acme-bench.io` }) });
          break;
        } catch (error) {
          if (attempt === CREATE_ATTEMPTS) {
            failures.push(String(error?.message ?? error));
            break;
          }
          retried++;
        }
      }
      if (index > 0 && index % 2000 === 0) log(`  ${index} leads made …`);
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  if (failures.length > 0) throw new Error(`${failures.length} of ${count} identify requests failed ${CREATE_ATTEMPTS} times; first: ${failures[0]}`);
  return { retried };
}

export async function measureSweep({ leads = 10_000, log = () => {} } = {}) {
  const storage = mkdtempSync(join(tmpdir(), "leadlight-bench-sweep-"));
  let collector;
  try {
    collector = await startCollector({ name: "sweep", config: config(10), persistTo: storage });
    const createStart = performance.now();
    const { retried } = await createLeads(collector, leads, log);
    const createSeconds = (performance.now() - createStart) / 1000;
    if (retried > 0) log(`  ${retried} identify requests were sent again after a failed answer`);
    await until(`${leads} leads in the index`, CREATE_TIMEOUT_MS, async () => (await indexed(collector)) >= leads);
    const before = await admin(collector, "/v1/rescore");
    log(`  ${leads} known leads made in ${createSeconds.toFixed(1)} s and indexed; restarting with new rules …`);
    await collector.stop();

    collector = await startCollector({ name: "sweep", config: config(50), persistTo: storage });
    const live = performance.now();
    const status = await until("the sweep to finish", SWEEP_TIMEOUT_MS, async () => {
      const answer = await admin(collector, "/v1/rescore");
      return answer.version !== before.version && answer.state === "done" ? answer : null;
    });
    const sweepSeconds = (performance.now() - live) / 1000;
    await until("the listing to hold no known lead", SWEEP_TIMEOUT_MS, async () => {
      const { leads: known } = await admin(collector, `/v1/leads?site=${SITE}&stage=known&limit=1`);
      return known.length === 0;
    });
    const indexSeconds = (performance.now() - live) / 1000;
    const ownSeconds = (Date.parse(status.finished_at) - Date.parse(status.started_at)) / 1000;
    log(`  sweep done after ${sweepSeconds.toFixed(1)} s (its own clock: ${ownSeconds.toFixed(1)} s), listing current after ${indexSeconds.toFixed(1)} s`);
    return {
      settings: { leads, createConcurrency: CREATE_CONCURRENCY },
      createSeconds,
      createRetried: retried,
      sweepSeconds,
      ownSeconds,
      indexSeconds,
      status,
      figures: [
        {
          id: "sweep.seconds",
          label: `Rescoring sweep of ${leads.toLocaleString("en")} leads (new rules live → every lead rescored)`,
          value: sweepSeconds,
          unit: "s",
          target: "",
          met: null,
        },
        { id: "sweep.rate", label: "… leads rescored per second (the sweep's own clock, 5 s start delay included)", value: status.leads_done / ownSeconds, unit: "/s", target: "", met: null },
        { id: "sweep.index", label: "… until the listing shows every new stage", value: indexSeconds, unit: "s", target: "", met: null },
      ],
    };
  } finally {
    await collector?.stop();
    rmSync(storage, { recursive: true, force: true });
  }
}
