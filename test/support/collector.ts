/**
 * A real collector for end-to-end tests: `wrangler dev` on a free 127.0.0.1 port, with its own
 * fresh storage directory, the given config and vars, offline (no metrics, no Cloudflare fetches).
 *
 * @example
 * const collector = await startCollector({ config: { sites: [...], scoring: {...} } });
 * await fetch(`${collector.url}/v1/events`, { method: "POST", body });
 * await collector.stop();
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The admin token every test collector accepts unless `vars` says otherwise. */
export const TEST_ADMIN_TOKEN = "test-admin-token";

const DEFAULT_VARS: Record<string, string> = {
  ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  LEADLIGHT_DEV: "true",
  WEBHOOK_SECRET_SALES: "whsec_dGVzdC1zZWNyZXQtZm9yLWxlYWRsaWdodC10ZXN0cw==",
};

export interface CollectorOptions {
  /** Replaces leadlight.config.json (passed as LEADLIGHT_CONFIG). */
  config?: object;
  /** Worker vars and secrets; merged over ADMIN_TOKEN, LEADLIGHT_DEV and WEBHOOK_SECRET_SALES. */
  vars?: Record<string, string>;
  /** A port chosen beforehand (see `freePort`), when the config must name the collector's own origin. */
  port?: number;
  /** How long to wait for the first answer; wrangler's first bundle can take a while on 2 cores. */
  readyTimeoutMs?: number;
  /**
   * A storage directory (see `storageDir`) that outlives this collector: a later `startCollector`
   * on the same directory is a restart, or a deploy, over the same leads. Not deleted by stop().
   */
  persistTo?: string;
}

export interface Collector {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Everything wrangler printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
  /** `kill -9` of wrangler's whole process group (workerd too), as a crash would; storage is kept. */
  crash(): Promise<void>;
}

/** A fresh storage directory for `persistTo`; the caller deletes it (rmSync) when done. */
export const storageDir = (): string => mkdtempSync(join(tmpdir(), "leadlight-collector-"));

let built = false;

/**
 * The project's build (scripts/build.mjs --dev, what wrangler's [build] step ran): the config
 * check and the modules the Worker imports from worker/generated/, once per test process so a
 * direct `vitest run` or `npm run soak` is current. It writes only what changed, so a collector
 * already running does not reload.
 */
function buildGenerated(): void {
  if (built) return;
  execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--dev"], { cwd: ROOT, stdio: "pipe" });
  built = true;
}

/**
 * The collector's wrangler.toml without its [build] step, in a directory of its own, paths made
 * absolute. The tests build what it built (`buildGenerated`), while wrangler dev's watcher of the
 * build's inputs sometimes fired just after startup: the rebuild then started a second workerd on
 * the port the first one held, and wrangler died ("Address already in use").
 */
function testWranglerConfig(): string {
  const text = readFileSync(join(ROOT, "wrangler.toml"), "utf8")
    .replace(/^\[build\]\n(?:(?!\[)[^\n]*\n)*/m, "")
    .replace(/^main = "([^"]+)"$/m, (_, path: string) => `main = ${JSON.stringify(join(ROOT, path))}`)
    .replace(/= "\.\/([^"]+)"$/gm, (_, path: string) => `= ${JSON.stringify(join(ROOT, path))}`)
    .replace(/^migrations_dir = "([^"]+)"$/m, (_, path: string) => `migrations_dir = ${JSON.stringify(join(ROOT, path))}`);
  if (/^\[build\]/m.test(text) || !text.includes(JSON.stringify(join(ROOT, "worker/index.ts")))) {
    throw new Error("wrangler.toml changed shape: update testWranglerConfig");
  }
  const path = join(mkdtempSync(join(tmpdir(), "leadlight-wrangler-")), "wrangler.toml");
  writeFileSync(path, text);
  return path;
}

/** A port the OS says is free now. Another process may take it before us; rare enough on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));

/** Signals wrangler's whole process group (npx, wrangler, workerd), ignoring one already gone. */
export const killGroup = (child: ChildProcess, signal: NodeJS.Signals): void => {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // Already exited.
  }
};

export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  buildGenerated();

  const [port, inspectorPort] = [options.port ?? (await freePort()), await freePort()];
  const persistTo = options.persistTo ?? storageDir();
  // The lead index's tables, from migrations/*.sql, as a deploy would have them (only those not
  // applied yet, on storage that outlives a restart).
  execFileSync(process.execPath, [join(ROOT, "scripts/d1-migrate.mjs"), "--persist-to", persistTo], { cwd: ROOT, stdio: "pipe" });
  const vars = { ...DEFAULT_VARS, ...options.vars, ...(options.config ? { LEADLIGHT_CONFIG: JSON.stringify(options.config) } : {}) };
  const config = testWranglerConfig();
  const args = [
    "wrangler", "dev",
    "--config", config,
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", persistTo,
    "--show-interactive-dev-session=false",
    // Arguments go to the process as they are (no shell), so JSON needs no quoting; wrangler
    // splits each at the first colon only.
    ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
  const child = spawn("npx", args, {
    cwd: ROOT,
    // Its own process group, so stop() reaches workerd too.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));

  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    killGroup(child, "SIGTERM");
    const timeout = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
    await exited(child);
    clearTimeout(timeout);
    rmSync(dirname(config), { recursive: true, force: true });
    if (options.persistTo === undefined) rmSync(persistTo, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited with ${child.exitCode} before answering:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/s.js`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer on ${url} in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const crash = async (): Promise<void> => {
    killGroup(child, "SIGKILL");
    await exited(child);
  };
  return { url, output: () => output, stop, crash };
}
