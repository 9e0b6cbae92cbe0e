/**
 * `wrangler deploy --dry-run` on a copy of the repository as a fresh clone has it (no build
 * outputs, no .dev.vars): the shipped config deploys, and a config that would fail in production
 * stops the deploy before anything is bundled, naming the JSON path.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** What a clone does not have, or a deploy does not read. */
const LEFT_OUT = new Set([".git", "node_modules", ".wrangler", "dist", "worker/generated", ".dev.vars", "bench", "test", "test-results"]);

let clone: string;
let shipped: { scoring: { engagement: { within?: string }[] }; webhooks: object[] };

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), "leadlight-deploy-"));
  cpSync(ROOT, clone, { recursive: true, filter: (source) => !LEFT_OUT.has(relative(ROOT, source)) });
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"), "dir");
  shipped = JSON.parse(readFileSync(join(clone, "leadlight.config.json"), "utf8"));
});

afterAll(() => rmSync(clone, { recursive: true, force: true }));

function dryRun(config: object) {
  writeFileSync(join(clone, "leadlight.config.json"), JSON.stringify(config, null, 2));
  const outdir = join(clone, "out");
  rmSync(outdir, { recursive: true, force: true });
  const result = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
    cwd: clone,
    encoding: "utf8",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, bundled: existsSync(join(outdir, "index.js")) };
}

describe("wrangler deploy --dry-run on a fresh clone", () => {
  it("deploys the shipped config: the dev inbox webhook is dev_only, skipped and said so", () => {
    const run = dryRun(shipped);
    expect(run.output).toContain('Skipped dev_only webhook(s) "sales"');
    expect(run.status, run.output).toBe(0);
    expect(run.bundled).toBe(true);
  }, 120_000);

  it('refuses a broken duration ("within": "7 days") with its JSON path, before bundling', () => {
    const config = structuredClone(shipped);
    const index = config.scoring.engagement.findIndex((rule) => rule.within !== undefined);
    (config.scoring.engagement[index] as { within: string }).within = "7 days";
    const run = dryRun(config);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain(`$.scoring.engagement[${index}].within`);
    expect(run.bundled).toBe(false);
  }, 60_000);

  it("refuses a webhook on a private address, naming it", () => {
    const config = structuredClone(shipped);
    config.webhooks.push({ id: "crm", url: "http://10.0.0.5/hook", events: ["lead.sql"], secret_env: "WEBHOOK_SECRET_CRM" });
    const run = dryRun(config);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain(`$.webhooks[${config.webhooks.length - 1}].url`);
    expect(run.output).toContain("10.0.0.5");
    expect(run.bundled).toBe(false);
  }, 60_000);
});
