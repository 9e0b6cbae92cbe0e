// `npm start`: the collector on http://127.0.0.1:8787 with storage on disk, the demo site and
// the dev inbox. Creates .dev.vars with fresh random secrets the first time.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

const varsPath = resolve(".dev.vars");
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

const run = (args) =>
  spawn("npx", args, {
    stdio: "inherit",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });

const build = spawn(process.execPath, ["scripts/build.mjs", "--dev"], { stdio: "inherit" });
build.on("exit", (code) => {
  if (code !== 0) process.exit(code ?? 1);
  console.log("\nLeadlight: demo http://127.0.0.1:8787/demo/ · dev inbox http://127.0.0.1:8787/dev/inbox\n");
  const dev = run([
    "wrangler", "dev",
    "--ip", "127.0.0.1", "--port", "8787",
    "--persist-to", ".wrangler/state",
    // Local development: loopback webhook URLs (the dev inbox) are allowed, /dev/inbox is on.
    "--var", "LEADLIGHT_DEV:true",
    "--show-interactive-dev-session=false",
  ]);
  const stop = () => dev.kill("SIGINT");
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  dev.on("exit", (c) => process.exit(c ?? 0));
});
