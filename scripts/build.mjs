// Checks the config, then builds the snippet the Worker serves as /s.js, the dashboard's script and
// the bundle's compact copy of the free-mail domain list.
//   node scripts/build.mjs          checked for deploy: webhook URLs must be public
//   node scripts/build.mjs --dev    checked for local development (npm start, npm test, npm run build)
// Arguments go to scripts/check-config.ts, which says what each mode checks. wrangler runs this as
// its [build] command with WRANGLER_COMMAND set: `wrangler dev` (and `wrangler types`) get the
// local-development check, `wrangler deploy` the production one.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { build } from "esbuild";

mkdirSync("dist", { recursive: true });
await build({
  entryPoints: ["scripts/check-config.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: "dist/check-config.mjs",
  logLevel: "warning",
});
try {
  const args = process.argv.slice(2);
  // `wrangler types` runs the build too, only to find the Worker's entry: no deploy is near.
  if (["dev", "types"].includes(process.env.WRANGLER_COMMAND ?? "") && !args.includes("--dev")) args.unshift("--dev");
  execFileSync(process.execPath, ["dist/check-config.mjs", ...args], { stdio: "inherit" });
} catch {
  process.exit(1);
}
await import("./build-snippet.mjs");
await import("./build-dashboard.mjs");
const { writeFreeMail } = await import("./build-free-mail.mjs");
console.log(`free-mail: ${writeFreeMail()} domains`);
