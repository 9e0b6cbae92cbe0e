/**
 * The Workers the benchmarks talk to, each started by `startWorker` the same way: the Leadlight
 * collector (the root wrangler.toml) with a config made for the scenario, the floor (bench/floor)
 * that stores each event in the visitor's SQLite Durable Object and answers 202, and the bare
 * Worker (bench/bare) that answers 204.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH, ROOT } from "./paths.mjs";
import { applyD1Migrations, startWorker } from "./wrangler.mjs";

export const ADMIN_TOKEN = "bench-admin-token";

/** The collector's wrangler config, at the root. */
export const COLLECTOR_CONFIG = join(ROOT, "wrangler.toml");

/** The scoring rules of the shipped config: the benchmarks score with the defaults. */
export const defaultConfig = () => JSON.parse(readFileSync(join(ROOT, "leadlight.config.json"), "utf8"));

const answers = async (url, path, init) => {
  const response = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.ok;
};

/**
 * The collector with `config` (passed as LEADLIGHT_CONFIG). Rate limit off: a benchmark drives
 * one visitor far past what a browser sends, and must measure the lead, not the limiter.
 * `persistTo`: storage that outlives stop(), to restart the collector over the same leads.
 */
export function startCollector({ name = "collector", config, vars = {}, port, persistTo } = {}) {
  return startWorker({
    name,
    port,
    persistTo,
    vars: {
      ADMIN_TOKEN,
      LEADLIGHT_RATE_LIMIT: "off",
      ...vars,
      ...(config ? { LEADLIGHT_CONFIG: JSON.stringify(config) } : {}),
    },
    // The lead index's tables, as a deploy's `wrangler d1 migrations apply` makes them.
    prepare: (persistTo) => applyD1Migrations(COLLECTOR_CONFIG, persistTo),
    ready: (url) => answers(url, "/s.js"),
  });
}

/** The bare Worker: 204 to POST /v1/events and nothing else. */
export function startBare() {
  return startWorker({
    name: "bare",
    config: join(BENCH, "bare/wrangler.toml"),
    ready: (url) => answers(url, "/v1/events", { method: "POST", body: "{}" }),
  });
}

/** A batch the floor accepts, for its readiness probe (stored in an object of its own). */
const probeBatch = () =>
  JSON.stringify({ site: "pk_probe", visitor: "probe", events: [{ id: `probe-${Date.now()}-${Math.random()}`, type: "page_view", ts: Date.now() }] });

/** The floor: the visitor's SQLite Durable Object stores each event, then 202. */
export function startFloor() {
  return startWorker({
    name: "floor",
    config: join(BENCH, "floor/wrangler.toml"),
    ready: (url) => answers(url, "/v1/events", { method: "POST", body: probeBatch() }),
  });
}
