import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchemaText } from "../scripts/config-schema";
import { ConfigError, durationMs, editDistance, parseConfig, suggest } from "./config";

const shipped = JSON.parse(readFileSync(new URL("../leadlight.config.json", import.meta.url), "utf8"));
const withRule = (rule: object) => ({
  ...shipped,
  scoring: { ...shipped.scoring, engagement: [...shipped.scoring.engagement, rule] },
});

function problems(input: unknown): { path: string; message: string }[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("the config was accepted");
}

describe("leadlight.config.json", () => {
  it("the shipped config is valid and keeps its rules in order", () => {
    const config = parseConfig(shipped);
    expect(config.sites[0]?.key).toBe("pk_demo");
    expect(config.scoring.engagement.map((r) => r.id)).toContain("pricing-revisit");
    expect(config.webhooks[0]?.format).toBe("standard");
  });

  it("the design card's example config is valid as written", () => {
    const example = {
      sites: [{ key: "pk_demo", name: "Demo", origins: ["http://127.0.0.1:8787"] }],
      scoring: {
        half_life_days: 30,
        engagement: [
          { id: "pricing-revisit", on: "page_view", path: "/pricing*", nth: 2, within: "7d", points: 15 },
          { id: "demo-request", on: "track", name: "demo_request", points: 30, qualifies: "sql" },
        ],
        fit: [{ id: "target-size", trait: "company_size", between: [50, 5000], points: 10 }],
        intent: { awareness: 1, consideration: 5, decision: 10, transactional: 20, intent_terms: { decision: ["alternative"] } },
        stages: { mql: { min_score: 40, require_identified: true }, sql: { min_score: 80, min_fit: 10 } },
      },
      webhooks: [
        { id: "sales", url: "https://hooks.example.com/leads", events: ["lead.mql", "lead.sql"], secret_env: "WEBHOOK_SECRET_SALES", format: "standard" },
      ],
    };
    expect(() => parseConfig(example)).not.toThrow();
  });

  it("an unknown key is an error at its own path that lists the keys allowed there, not ignored", () => {
    expect(problems({ ...shipped, extra: true })).toEqual([
      { path: "$.extra", message: 'unknown key: the keys here are "$schema", "sites", "scoring", "webhooks", "accounts"' },
    ]);
    expect(problems({ ...shipped, "odd key": 1 })[0]?.path).toBe('$["odd key"]');
  });

  it("a misspelt key gets a did-you-mean naming the key that was meant", () => {
    expect(problems(withRule({ id: "x", on: "page_view", nth: 2, witin: "7d", points: 1 }))).toContainEqual({
      path: "$.scoring.engagement[7].witin",
      message: 'unknown key: did you mean "within"?',
    });
    expect(problems(withRule({ id: "x", on: "page_view", point: 1, points: 1 }))).toEqual([
      { path: "$.scoring.engagement[7].point", message: 'unknown key: did you mean "points"?' },
    ]);
    const config = structuredClone(shipped);
    config.sites[0].orgins = config.sites[0].origins;
    delete config.sites[0].origins;
    expect(problems(config)).toContainEqual({ path: "$.sites[0].orgins", message: 'unknown key: did you mean "origins"?' });
    config.scoring.stages.sql.min_scroe = 80;
    expect(problems(config)).toContainEqual({ path: "$.scoring.stages.sql.min_scroe", message: 'unknown key: did you mean "min_score"?' });
  });

  it("a misspelt event type or webhook event gets a did-you-mean among the allowed values", () => {
    const [onTypo] = problems(withRule({ id: "x", on: "pageview", points: 1 }));
    expect(onTypo?.path).toBe("$.scoring.engagement[7].on");
    expect(onTypo?.message).toMatch(/^"pageview" is not one of "page_view", .*: did you mean "page_view"\?$/);
    const config = structuredClone(shipped);
    config.webhooks[0].events = ["lead.mql", "lead.sqll"];
    const [eventTypo] = problems(config);
    expect(eventTypo?.path).toBe("$.webhooks[0].events[1]");
    expect(eventTypo?.message).toMatch(/did you mean "lead\.sql"\?$/);
  });

  it("a value far from every allowed one lists them instead of guessing", () => {
    const [problem] = problems(withRule({ id: "x", on: "purchase", points: 1 }));
    expect(problem?.message).toBe('"purchase" is not one of "page_view", "download", "chat", "identify", "track"');
  });

  it('"$schema" may name the JSON Schema at the top of the file, and nowhere else', () => {
    expect(parseConfig({ ...shipped, $schema: "./leadlight.config.schema.json" }).sites).toHaveLength(1);
    expect(problems({ ...shipped, $schema: 42 })[0]?.path).toBe("$.$schema");
    const config = structuredClone(shipped);
    config.sites[0].$schema = "./leadlight.config.schema.json";
    expect(problems(config)[0]?.path).toBe("$.sites[0].$schema");
  });

  it("a bad duration is refused with the rule's path", () => {
    const [problem] = problems(withRule({ id: "x", on: "page_view", nth: 2, within: "7 days", points: 1 }));
    expect(problem?.path).toBe("$.scoring.engagement[7].within");
    expect(problem?.message).toMatch(/duration/);
  });

  it("a bad regular expression is refused with the reason", () => {
    const config = structuredClone(shipped);
    config.scoring.fit[2].matches = "\\b(vp|director";
    const [problem] = problems(config);
    expect(problem?.path).toBe("$.scoring.fit[2].matches");
    expect(problem?.message).toMatch(/regular expression/);
  });

  it("a bad path glob is refused", () => {
    expect(problems(withRule({ id: "x", on: "page_view", path: "pricing", points: 1 }))[0]?.path).toBe(
      "$.scoring.engagement[7].path",
    );
  });

  it("within without nth, name on a non-track rule and duplicate ids are refused", () => {
    expect(problems(withRule({ id: "x", on: "page_view", within: "7d", points: 1 }))[0]?.path).toBe("$.scoring.engagement[7].within");
    expect(problems(withRule({ id: "x", on: "page_view", name: "a", points: 1 }))[0]?.path).toBe("$.scoring.engagement[7].name");
    expect(problems(withRule({ id: "page-view", on: "page_view", points: 1 }))[0]?.message).toMatch(/duplicate id/);
  });

  it("an engagement and a fit rule may not share an id: reasons name a rule by its id alone", () => {
    const config = structuredClone(shipped);
    config.scoring.fit[0].id = "download";
    expect(problems(config)).toEqual([{ path: "$.scoring.fit[0].id", message: expect.stringMatching(/^duplicate id "download"/) }]);
  });

  it("stages.sql.require_fit names fit rules that award: an unknown id or a 0-point rule is refused at its path", () => {
    const config = structuredClone(shipped);
    config.scoring.stages.sql.require_fit = ["senior-title", "pricing-visit", "budgt"];
    expect(problems(config)).toEqual([
      { path: "$.scoring.stages.sql.require_fit[1]", message: expect.stringMatching(/^"pricing-visit" is not a fit rule: require_fit names fit rules \(business-email, /) },
      { path: "$.scoring.stages.sql.require_fit[2]", message: expect.stringMatching(/^"budgt" is not a fit rule/) },
    ]);
    config.scoring.stages.sql.require_fit = ["senior-title"];
    config.scoring.fit.find((rule: { id: string }) => rule.id === "senior-title").points = 0;
    expect(problems(config)).toEqual([{ path: "$.scoring.stages.sql.require_fit[0]", message: expect.stringMatching(/gives 0 points, so it never awards/) }]);
  });

  it("accounts.hot takes min_leads, min_score and within; an unknown accounts key is refused with its path", () => {
    const config = structuredClone(shipped);
    config.accounts = { hot: { min_leads: 2, min_score: 100, within: "14d" } };
    expect(parseConfig(config).accounts?.hot).toEqual({ min_leads: 2, min_score: 100, within: "14d" });
    config.accounts = { hot: { min_leads: 2, min_score: 100, within: "14d" }, cold: {} };
    expect(problems(config)).toEqual([{ path: "$.accounts.cold", message: 'unknown key: the keys here are "hot"' }]);
    config.accounts = { hot: { min_leads: 0, min_score: 100, within: "2 weeks" } };
    expect(problems(config).map((p) => p.path)).toEqual(["$.accounts.hot.min_leads", "$.accounts.hot.within"]);
  });

  it("duplicate webhook ids and site keys are refused at the second one", () => {
    const config = structuredClone(shipped);
    config.webhooks.push({ ...config.webhooks[0] });
    config.sites.push({ ...config.sites[0] });
    expect(problems(config).map((p) => p.path)).toEqual(expect.arrayContaining(["$.webhooks[1].id", "$.sites[1].key"]));
  });

  it("rule ids may use capitals, as the JSON Schema for editors also says", () => {
    expect(() => parseConfig(withRule({ id: "Pricing-Visit.2", on: "page_view", points: 1 }))).not.toThrow();
  });

  it("a webhook url that is not http(s) and a standard webhook without a secret are refused", () => {
    const config = structuredClone(shipped);
    config.webhooks[0].url = "ftp://hooks.example.com/x";
    delete config.webhooks[0].secret_env;
    const found = problems(config).map((p) => p.path);
    expect(found).toEqual(expect.arrayContaining(["$.webhooks[0].url", "$.webhooks[0].secret_env"]));
  });

  it("an origin with a path is refused", () => {
    const config = structuredClone(shipped);
    config.sites[0].origins = ["https://example.com/"];
    expect(problems(config)[0]?.path).toBe("$.sites[0].origins[0]");
  });

  it("durations read as milliseconds", () => {
    expect(durationMs("30s")).toBe(30_000);
    expect(durationMs("15m")).toBe(900_000);
    expect(durationMs("12h")).toBe(43_200_000);
    expect(durationMs("7d")).toBe(604_800_000);
  });
});

describe("did you mean", () => {
  it("counts a swap of neighbouring letters as one edit, like a missing or extra letter", () => {
    expect(editDistance("within", "within")).toBe(0);
    expect(editDistance("witin", "within")).toBe(1);
    expect(editDistance("wihtin", "within")).toBe(1);
    expect(editDistance("withinn", "within")).toBe(1);
    expect(editDistance("", "nth")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("suggests only words near enough to be what was meant, ignoring case, ties together", () => {
    expect(suggest("Within", ["nth", "within"])).toEqual(["within"]);
    expect(suggest("pageview", ["page_view", "download"])).toEqual(["page_view"]);
    expect(suggest("colour", ["nth", "within", "cap"])).toEqual([]);
    expect(suggest("lead.xql", ["lead.mql", "lead.sql"])).toEqual(["lead.mql", "lead.sql"]);
    expect(suggest("x", [])).toEqual([]);
  });
});

describe("leadlight.config.schema.json, for editors", () => {
  const committed = readFileSync(new URL("../leadlight.config.schema.json", import.meta.url), "utf8");
  const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(committed));

  it("is exactly what the zod schema generates (after a config change: npm run config:schema)", () => {
    expect(committed).toBe(configSchemaText());
  });

  it("accepts the shipped config, which names it in $schema", () => {
    expect(shipped.$schema).toBe("./leadlight.config.schema.json");
    expect(validate(shipped), JSON.stringify(validate.errors)).toBe(true);
  });

  it("refuses what the zod schema refuses by shape: an unknown key, an unknown event type, a bad duration", () => {
    expect(validate(withRule({ id: "x", on: "page_view", point: 1, points: 1 }))).toBe(false);
    expect(validate(withRule({ id: "x", on: "pageview", points: 1 }))).toBe(false);
    expect(validate(withRule({ id: "x", on: "page_view", nth: 2, within: "7 days", points: 1 }))).toBe(false);
  });

  it("says in its description which checks only Leadlight itself runs", () => {
    expect(JSON.parse(committed).description).toMatch(/npm run build/);
  });
});

describe("scripts/check-config.ts, run as build, start and deploy run it", () => {
  let workdir: string;
  let script: string;

  beforeAll(async () => {
    workdir = mkdtempSync(join(tmpdir(), "leadlight-check-"));
    script = join(workdir, "check-config.mjs");
    await build({ entryPoints: ["scripts/check-config.ts"], bundle: true, platform: "node", format: "esm", outfile: script, logLevel: "warning" });
  });
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  const SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLWxlYWRsaWdodA==";
  const withWebhook = (webhook: object) => ({
    sites: [{ key: "pk_test", name: "Test", origins: ["https://example.com"] }],
    scoring: {
      engagement: [{ id: "view", on: "page_view", points: 1 }],
      stages: { mql: { min_score: 10 }, sql: { min_score: 20 } },
    },
    webhooks: [
      { id: "sales", url: "https://hooks.example.com/leads", events: ["lead.sql"], secret_env: "WEBHOOK_SECRET_SALES", ...webhook },
    ],
  });

  let runs = 0;
  /** Runs the checker on a config (a JSON value, or raw text) in a fresh folder, with that folder's .dev.vars if given. */
  function check(config: object | string, options: { dev?: boolean; devVars?: string } = {}) {
    const dir = join(workdir, `run-${runs++}`);
    const file = join(dir, "leadlight.config.json");
    mkdirSync(dir);
    writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config));
    if (options.devVars !== undefined) writeFileSync(join(dir, ".dev.vars"), options.devVars);
    const result = spawnSync(process.execPath, [script, ...(options.dev ? ["--dev"] : []), file], { encoding: "utf8" });
    return { status: result.status, out: result.stdout, err: result.stderr };
  }

  it("refuses a private webhook address even in local development, naming its path", () => {
    const result = check(withWebhook({ url: "http://10.0.0.5/hook" }), { dev: true, devVars: `WEBHOOK_SECRET_SALES=${SECRET}\n` });
    expect(result.status).toBe(1);
    expect(result.err).toContain("$.webhooks[0].url: refused: 10.0.0.5 is a private address (10.0.0.0/8)");
  });

  it("refuses the cloud metadata address in local development too", () => {
    const result = check(withWebhook({ url: "http://169.254.169.254/latest/meta-data" }), { dev: true });
    expect(result.status).toBe(1);
    expect(result.err).toContain("$.webhooks[0].url: refused: 169.254.169.254 is a link-local address");
  });

  it("allows a loopback webhook (the dev inbox) only with --dev", () => {
    const local = withWebhook({ url: "http://127.0.0.1:8787/dev/inbox/sales" });
    expect(check(local, { dev: true, devVars: `WEBHOOK_SECRET_SALES=${SECRET}\n` })).toMatchObject({ status: 0 });
    const deploy = check(local);
    expect(deploy.status).toBe(1);
    expect(deploy.err).toContain("$.webhooks[0].url: refused: 127.0.0.1 is a loopback address");
  });

  it("a dev_only webhook is skipped for deploy, and said so, but checked in local development", () => {
    const inbox = withWebhook({ url: "http://127.0.0.1:8787/dev/inbox/sales", dev_only: true });
    const deploy = check(inbox);
    expect(deploy.status).toBe(0);
    expect(deploy.out).toContain('Skipped dev_only webhook(s) "sales"');
    expect(deploy.out).not.toContain("secret put WEBHOOK_SECRET_SALES");
    const dev = check(withWebhook({ url: "http://10.0.0.5/hook", dev_only: true }), { dev: true, devVars: `WEBHOOK_SECRET_SALES=${SECRET}\n` });
    expect(dev.status).toBe(1);
    expect(dev.err).toContain("$.webhooks[0].url: refused: 10.0.0.5");
  });

  it("with --dev, a webhook secret missing from .dev.vars is an error at its secret_env", () => {
    const result = check(withWebhook({}), { dev: true, devVars: "ADMIN_TOKEN=abc\n" });
    expect(result.status).toBe(1);
    expect(result.err).toContain("$.webhooks[0].secret_env: WEBHOOK_SECRET_SALES is not in .dev.vars");
  });

  it("with --dev, a secret in .dev.vars that the Worker could not sign with is an error", () => {
    const result = check(withWebhook({}), { dev: true, devVars: 'WEBHOOK_SECRET_SALES="not-a-secret"\n' });
    expect(result.status).toBe(1);
    expect(result.err).toContain("$.webhooks[0].secret_env: .dev.vars: secret WEBHOOK_SECRET_SALES is not a whsec_<base64> value");
  });

  it("with --dev and no .dev.vars yet, says npm start makes one and passes", () => {
    const result = check(withWebhook({}), { dev: true });
    expect(result.status).toBe(0);
    expect(result.out).toContain("npm start");
  });

  it("for deploy, prints the wrangler secret put commands the Worker needs, and passes", () => {
    const result = check(withWebhook({}));
    expect(result.status).toBe(0);
    expect(result.out).toContain("npx wrangler secret put ADMIN_TOKEN");
    expect(result.out).toContain("npx wrangler secret put WEBHOOK_SECRET_SALES");
  });

  it("prints schema problems and webhook problems together, each with its path", () => {
    const config = withWebhook({ url: "http://10.0.0.5/hook" });
    config.scoring.engagement.push({ id: "revisit", on: "page_view", nth: 2, witin: "7d", points: 5 } as never);
    const result = check(config);
    expect(result.status).toBe(1);
    expect(result.err).toContain('$.scoring.engagement[1].witin: unknown key: did you mean "within"?');
    expect(result.err).toContain("$.webhooks[0].url: refused: 10.0.0.5");
  });

  it("refuses a file that is not JSON", () => {
    const result = check('{ "sites": [ }', { dev: true });
    expect(result.status).toBe(1);
    expect(result.err).toContain("cannot be read as JSON");
  });
});
