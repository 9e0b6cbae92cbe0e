/**
 * 3. Alert latency: from the request that qualifies a lead (a known lead asks for a demo, which
 * the default rule "demo-request" makes SQL at once) to its signed `lead.sql` webhook arriving
 * at a local receiver, which verifies the signature as sales' receiver would.
 *
 * Leads go one at a time, so each figure is the latency of one alert on an otherwise idle
 * collector: transition and outbox row written, alarm fired, body signed, POST delivered.
 */
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT } from "./lib/paths.mjs";
import { median, now, percentile, sleep, waitFor } from "./lib/stats.mjs";
import { defaultConfig, startCollector } from "./lib/targets.mjs";

const { Webhook } = createRequire(join(ROOT, "package.json"))("standardwebhooks");

const SITE = "pk_bench";
const SECRET = "whsec_bGVhZGxpZ2h0LWJlbmNoLXdlYmhvb2stc2VjcmV0LTAx";
const ALERT_TIMEOUT_MS = 10_000;

/** A webhook receiver on 127.0.0.1 that verifies each alert and notes when it arrived. */
async function startReceiver() {
  const verifier = new Webhook(SECRET);
  const arrivals = new Map(); // email → { at, type, verified }
  let rejected = 0;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const at = now();
      const body = Buffer.concat(chunks).toString("utf8");
      try {
        const payload = verifier.verify(body, request.headers);
        const email = payload?.data?.lead?.email;
        if (email && !arrivals.has(`${payload.type} ${email}`)) arrivals.set(`${payload.type} ${email}`, { at, type: payload.type });
      } catch {
        rejected++;
      }
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/leadlight`,
    arrival: (type, email) => arrivals.get(`${type} ${email}`),
    get rejected() {
      return rejected;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

let counter = 0;
const eventId = () => `al-${Date.now().toString(36)}-${(counter++).toString(36)}`;

async function post(collector, visitor, events) {
  const response = await fetch(`${collector.url}/v1/events`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify({ site: SITE, visitor, events: events.map((e) => ({ id: eventId(), ts: Date.now(), ...e })) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${text}`);
}

/** One lead: identify (known), then the demo request whose alert is timed. */
async function oneAlert(collector, receiver, tag, index) {
  const visitor = `alert-${tag}-${index}`;
  const email = `lead-${tag}-${index}@acme-bench.io`;
  await post(collector, visitor, [
    { type: "page_view", url: "https://bench.example/pricing" },
    { type: "identify", props: { email, traits: { title: "VP Engineering", company_size: 200 } } },
  ]);
  const sent = now();
  await post(collector, visitor, [{ type: "track", name: "demo_request", url: "https://bench.example/request-demo", props: { plan: "pro" } }]);
  const acked = now();
  const arrival = await waitFor(`the lead.sql alert for ${email}`, () => receiver.arrival("lead.sql", email), {
    timeoutMs: ALERT_TIMEOUT_MS,
    everyMs: 1,
  });
  return { alertMs: arrival.at - sent, ackMs: acked - sent };
}

export async function measureAlerts({ reps = 3, leadsPerRep = 30, budgetMs = 100, log = () => {} } = {}) {
  const receiver = await startReceiver();
  const config = {
    ...defaultConfig(),
    sites: [{ key: SITE, name: "Benchmark", origins: ["http://127.0.0.1"] }],
    webhooks: [{ id: "sales", url: receiver.url, events: ["lead.sql"], secret_env: "WEBHOOK_SECRET_BENCH", format: "standard" }],
  };
  let collector;
  try {
    collector = await startCollector({
      name: "alerts",
      config,
      vars: { LEADLIGHT_DEV: "true", WEBHOOK_SECRET_BENCH: SECRET },
    });
    // One lead through first, so compiling and first-use costs are not in the figures.
    await oneAlert(collector, receiver, "warmup", 0);
    const runs = [];
    for (let rep = 0; rep < reps; rep++) {
      const samples = [];
      for (let i = 0; i < leadsPerRep; i++) {
        samples.push(await oneAlert(collector, receiver, `r${rep}`, i));
        await sleep(20);
      }
      const alerts = samples.map((s) => s.alertMs);
      const run = {
        p50: median(alerts),
        p99: percentile(alerts, 99),
        ackP50: median(samples.map((s) => s.ackMs)),
        samples: alerts.map((ms) => Math.round(ms * 10) / 10),
      };
      runs.push(run);
      log(`  rep ${rep + 1}: alert p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms (202 after ${run.ackP50.toFixed(1)} ms)`);
    }
    const p50 = median(runs.map((r) => r.p50));
    const p99 = median(runs.map((r) => r.p99));
    return {
      settings: { reps, leadsPerRep },
      runs,
      rejectedSignatures: receiver.rejected,
      figures: [
        {
          id: "alerts.p50",
          label: "Alert latency p50 (qualifying request → signed webhook)",
          value: p50,
          unit: "ms",
          target: `≤ ${budgetMs} ms`,
          met: p50 <= budgetMs && receiver.rejected === 0,
        },
        { id: "alerts.p99", label: "Alert latency p99", value: p99, unit: "ms", target: "", met: null },
        {
          id: "alerts.ack",
          label: "… the qualifying request's own 202, p50",
          value: median(runs.map((r) => r.ackP50)),
          unit: "ms",
          target: "",
          met: null,
        },
      ],
    };
  } finally {
    await collector?.stop();
    await receiver.close();
  }
}
