// `npm start`: the collector on http://127.0.0.1:8787 with storage on disk, the demo site and the
// dev inbox. Creates .dev.vars with fresh random secrets the first time, and applies the lead
// index's migrations to the local database.
//   --port N            another port; the demo's origin and the dev inbox's URL follow it
//   --persist-to DIR    storage somewhere else than .wrangler/state (a second instance, a test)
//   --vars FILE         secrets from FILE instead of .dev.vars (made there when missing)
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { applyIndexMigrations } from "./d1-migrate.mjs";

/** The value after `--name`, or undefined when the flag is absent; exits when the value is missing. */
function option(name) {
  const at = process.argv.indexOf(name);
  if (at < 0) return undefined;
  const value = process.argv[at + 1];
  if (value === undefined || value.startsWith("--")) {
    console.error(`${name} needs a value`);
    process.exit(1);
  }
  return value;
}

const port = Number(option("--port") ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`--port takes a port number from 1 to 65535, not "${option("--port")}"`);
  process.exit(1);
}
const origin = `http://127.0.0.1:${port}`;
const persistTo = resolve(option("--persist-to") ?? ".wrangler/state");
const customVars = option("--vars");

const varsPath = resolve(customVars ?? ".dev.vars");
// Made before the config check runs (in scripts/build.mjs), which holds webhook secrets to it.
// An unreadable config makes none: the check then says what is wrong with the file.
const readConfig = () => {
  try {
    return JSON.parse(readFileSync("leadlight.config.json", "utf8"));
  } catch {
    return null;
  }
};
const config = existsSync(varsPath) ? null : readConfig();
if (config) {
  const webhooks = Array.isArray(config.webhooks) ? config.webhooks : [];
  const secretNames = [...new Set(webhooks.map((w) => w?.secret_env).filter((name) => typeof name === "string"))];
  const lines = [
    "# Local secrets for `npm start` (never commit this file). Made by scripts/start.mjs.",
    `ADMIN_TOKEN=${randomBytes(24).toString("base64url")}`,
    ...secretNames.map((name) => `${name}=whsec_${randomBytes(24).toString("base64")}`),
  ];
  writeFileSync(varsPath, `${lines.join("\n")}\n`, { mode: 0o600 });
  console.log(`Created ${varsPath} with a fresh ADMIN_TOKEN and webhook secrets.`);
} else if (existsSync(varsPath)) {
  console.log(`Using the secrets in ${varsPath}.`);
}

// The config check (scripts/check-config.ts, also run by wrangler dev's [build]) reads the
// webhook secrets from this file.
const env = { ...process.env, LEADLIGHT_DEV_VARS: varsPath };
const run = (args) =>
  spawn("npx", args, {
    stdio: "inherit",
    env: { ...env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });

const build = spawn(process.execPath, ["scripts/build.mjs", "--dev"], { stdio: "inherit", env });
build.on("exit", (code) => {
  if (code !== 0) process.exit(code ?? 1);
  applyIndexMigrations(persistTo);
  console.log(`\nLeadlight: demo ${origin}/demo/ · dashboard ${origin}/dashboard · dev inbox ${origin}/dev/inbox\n`);
  const dev = run([
    "wrangler", "dev",
    "--ip", "127.0.0.1", "--port", String(port),
    "--persist-to", persistTo,
    // wrangler reads .dev.vars by itself; another file only when named.
    ...(customVars === undefined ? [] : ["--env-file", varsPath]),
    // Local development: loopback webhook URLs (the dev inbox) are allowed, /dev/inbox is on.
    "--var", "LEADLIGHT_DEV:true",
    ...(port === 8787 ? [] : ["--var", `LEADLIGHT_CONFIG:${onPort(port)}`]),
    "--show-interactive-dev-session=false",
  ]);
  const stop = () => dev.kill("SIGINT");
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  dev.on("exit", (c) => process.exit(c ?? 0));
});

/**
 * The config with the demo's own origin and the dev inbox's URL moved from port 8787 to `port`,
 * so the demo site and its alerts work on any port. Everything else stays as the file says.
 */
function onPort(port) {
  const config = JSON.parse(readFileSync("leadlight.config.json", "utf8"));
  const move = (url) => url.replace(/^(https?:\/\/(?:127\.0\.0\.1|localhost)):8787(?=\/|$)/, `$1:${port}`);
  for (const site of config.sites ?? []) site.origins = (site.origins ?? []).map(move);
  for (const hook of config.webhooks ?? []) hook.url = move(hook.url);
  return JSON.stringify(config);
}
