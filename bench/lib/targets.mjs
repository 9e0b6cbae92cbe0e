/**
 * The two Workers the benchmarks talk to, each started by `startWorker` the same way:
 * the Leadlight collector (the root wrangler.toml) with a config made for the scenario, and the
 * bare Worker (bench/bare) that answers 204.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH, ROOT } from "./paths.mjs";
import { startWorker } from "./wrangler.mjs";

export const ADMIN_TOKEN = "bench-admin-token";

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
 */
export function startCollector({ name = "collector", config, vars = {}, port } = {}) {
  return startWorker({
    name,
    port,
    vars: {
      ADMIN_TOKEN,
      LEADLIGHT_RATE_LIMIT: "off",
      ...vars,
      ...(config ? { LEADLIGHT_CONFIG: JSON.stringify(config) } : {}),
    },
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
