/**
 * Starts a Worker under `wrangler dev` (local workerd) the same way for every benchmark target:
 * 127.0.0.1, a free port, a fresh --persist-to directory, offline (no metrics, no Cloudflare
 * fetches), wrangler's own request log off (it would cost the load generator's CPU for both).
 *
 * @example
 * const bare = await startWorker({ name: "bare", config: "bench/bare/wrangler.toml" });
 * await fetch(`${bare.url}/v1/events`, { method: "POST", body: "{}" });
 * await bare.stop();
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "./paths.mjs";

const WRANGLER = createRequire(join(ROOT, "package.json")).resolve("wrangler/bin/wrangler.js");

/** A port the OS says is free now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The environment every wrangler command of the benchmarks runs in: offline, no metrics, no prompts. */
export const WRANGLER_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" };

/**
 * Applies the D1 migrations of every database in a wrangler config to a --persist-to directory,
 * as a deploy applies them remotely: a Worker whose tables come from migrations finds them there.
 */
export async function applyD1Migrations(config, persistTo) {
  const { unstable_readConfig } = await import("wrangler");
  for (const db of unstable_readConfig({ config }).d1_databases ?? []) {
    if (!existsSync(join(dirname(config), db.migrations_dir ?? "migrations"))) continue;
    execFileSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", db.database_name, "--local", "--persist-to", persistTo, "--config", config], {
      cwd: ROOT,
      env: WRANGLER_ENV,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
  }
}

/** Every wrangler this process started and has not stopped: ended with it, whatever happens. */
const live = new Set();
process.on("exit", () => {
  for (const child of live) killGroup(child, "SIGKILL");
});

const exited = (child) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", resolve));

/** Signals wrangler's whole process group (wrangler and its workerd), ignoring one already gone. */
function killGroup(child, signal) {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // Already exited.
  }
}

/**
 * @param {object} options
 * @param {string} options.name        for messages
 * @param {string} [options.config]    a wrangler.toml (default: the collector's, at the root)
 * @param {Record<string,string>} [options.vars]  --var KEY:VALUE pairs (JSON needs no quoting: no shell)
 * @param {number} [options.port]      chosen beforehand when the config must name the Worker's own origin
 * @param {(url: string) => Promise<boolean>} options.ready  true once the Worker answers as expected
 * @param {number} [options.readyTimeoutMs]
 * @param {number} [options.readyEveryMs]  how often `ready` is tried (a cold-start measurement polls finely)
 * @param {(persistTo: string) => (void | Promise<void>)} [options.prepare]  readies the fresh storage before wrangler starts (D1 migrations)
 * @param {string} [options.persistTo]  storage kept across stop(), for a restart over the same data (the caller deletes it)
 */
export async function startWorker({ name, config, vars = {}, port, ready, readyTimeoutMs = 120_000, readyEveryMs = 250, prepare, persistTo: kept }) {
  const [listen, inspector] = [port ?? (await freePort()), await freePort()];
  const persistTo = kept ?? mkdtempSync(join(tmpdir(), `leadlight-bench-${name}-`));
  const cleanUp = () => {
    if (kept === undefined) rmSync(persistTo, { recursive: true, force: true });
  };
  try {
    await prepare?.(persistTo);
  } catch (error) {
    cleanUp();
    throw error;
  }
  const args = [
    WRANGLER, "dev",
    ...(config ? ["--config", config] : []),
    "--ip", "127.0.0.1",
    "--port", String(listen),
    "--inspector-port", String(inspector),
    "--persist-to", persistTo,
    "--show-interactive-dev-session=false",
    "--log-level", "warn",
    ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
  const logPath = join(persistTo, "wrangler-debug.log");
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true, // its own process group, so stop() reaches workerd too
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...WRANGLER_ENV,
      // wrangler appends every message (one per subrequest, from its inspector proxy) to a debug
      // log; keep it with the run's storage, deleted on stop, rather than growing in ~/.config.
      WRANGLER_LOG_PATH: logPath,
    },
  });
  live.add(child);
  let output = "";
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);

  const url = `http://127.0.0.1:${listen}`;
  const stop = async () => {
    killGroup(child, "SIGTERM");
    const timeout = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
    await exited(child);
    clearTimeout(timeout);
    live.delete(child);
    cleanUp();
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev (${name}) exited with ${child.exitCode} before answering:\n${output}`);
    }
    let ok = false;
    try {
      ok = await ready(url);
    } catch {
      // Not listening yet.
    }
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev (${name}) did not answer on ${url} in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, readyEveryMs));
  }
  const readyMs = performance.now() - spawnedAt;
  // persistTo: the Worker's storage on disk (Durable Object SQLite files); logPath: wrangler's
  // debug log, where its inspector proxy writes every subrequest the Worker makes.
  return { name, url, pid: child.pid, persistTo, logPath, readyMs, output: () => output, stop };
}
