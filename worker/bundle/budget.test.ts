/**
 * The size budget of the deployed Worker: what `wrangler deploy --dry-run` uploads, minified as
 * wrangler.toml ships it, at most 150 KiB gzip (npm run bench reports the figure and its largest
 * contributors; this test only holds the line). One dry run, a few seconds, no network.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUDGET_GZIP = 150 * 1024;

type Metafile = { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };

/** "zod/v4/core/schemas.js 29.5 KiB, ...": the largest inputs, for a failure to point at. */
function largest(meta: Metafile, count = 8): string {
  const inputs = Object.values(meta.outputs).flatMap((output) => Object.entries(output.inputs));
  return inputs
    .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
    .slice(0, count)
    .map(([input, { bytesInOutput }]) => `${input.replace(/^.*node_modules\//, "")} ${(bytesInOutput / 1024).toFixed(1)} KiB`)
    .join(", ");
}

it("the Worker bundle wrangler deploys is at most 150 KiB gzip", () => {
  const outdir = mkdtempSync(join(tmpdir(), "leadlight-budget-"));
  const metafile = `${outdir}.meta.json`;
  try {
    const wrangler = createRequire(join(ROOT, "package.json")).resolve("wrangler/bin/wrangler.js");
    execFileSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir, "--metafile", metafile], {
      cwd: ROOT,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Every module uploaded, in one gzip stream, as wrangler measures an upload (bench/bundle.mjs too).
    const modules = readdirSync(outdir).filter((file) => !file.endsWith(".map") && file !== "README.md");
    const gzip = gzipSync(Buffer.concat(modules.map((file) => readFileSync(join(outdir, file))))).length;
    const meta = JSON.parse(readFileSync(metafile, "utf8")) as Metafile;
    expect(gzip, `${(gzip / 1024).toFixed(1)} KiB gzip; largest inputs: ${largest(meta)}`).toBeLessThanOrEqual(BUDGET_GZIP);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(metafile, { force: true });
  }
}, 120_000);
