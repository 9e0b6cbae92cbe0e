// Checks the config, then builds the snippet the Worker serves as /s.js.
//   node scripts/build.mjs          checked for deploy: webhook URLs must be public
//   node scripts/build.mjs --dev    checked for local development (npm start, npm test, npm run build)
// Arguments go to scripts/check-config.ts, which says what each mode checks.
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
  execFileSync(process.execPath, ["dist/check-config.mjs", ...process.argv.slice(2)], { stdio: "inherit" });
} catch {
  process.exit(1);
}
await import("./build-snippet.mjs");
