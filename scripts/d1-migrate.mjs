// Applies the lead index's migrations (migrations/*.sql) to local D1 storage, as a deploy applies
// them to the real database: `node scripts/d1-migrate.mjs [--persist-to DIR]`. npm start and the
// end-to-end tests call it before `wrangler dev` starts on that storage.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));

/** Applies every migration not yet applied to the local database kept under `persistTo`. */
export function applyIndexMigrations(persistTo) {
  execFileSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", "leadlight-index", "--local", "--persist-to", persistTo], {
    cwd: ROOT,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--persist-to");
  applyIndexMigrations(at > 0 ? process.argv[at + 1] : ".wrangler/state");
}
