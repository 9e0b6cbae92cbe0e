// `npm start`: the collector on http://127.0.0.1:8787 with storage on disk, the demo site and
// the dev inbox. Creates .dev.vars with fresh random secrets the first time.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

const varsPath = resolve(".dev.vars");
if (!existsSync(varsPath)) {
  const config = JSON.parse(readFileSync("leadlight.config.json", "utf8"));
  const secretNames = [...new Set((config.webhooks ?? []).map((w) => w.secret_env).filter(Boolean))];
  const lines = [
    "# Local secrets for `npm start` (never commit this file). Made by scripts/start.mjs.",
    `ADMIN_TOKEN=${randomBytes(24).toString("base64url")}`,
    ...secretNames.map((name) => `${name}=whsec_${randomBytes(24).toString("base64")}`),
  ];
  writeFileSync(varsPath, `${lines.join("\n")}\n`, { mode: 0o600 });
  console.log(`Created ${varsPath} with a fresh ADMIN_TOKEN and webhook secrets.`);
} else {
  console.log(`Using the secrets in ${varsPath}.`);
}

const run = (args) =>
  spawn("npx", args, {
    stdio: "inherit",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });

const build = spawn(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
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
