/**
 * Checks leadlight.config.json before anything builds, starts or deploys: an invalid file stops
 * here with every problem's JSON path and reason (exit 1), so it is never half-applied. Beyond
 * the schema it checks what is knowable before the collector runs: webhook URLs against the
 * collector's own SSRF rules, and the signing secrets they name.
 *
 *   node dist/check-config.mjs [--dev] [path/to/leadlight.config.json]
 *
 * Without --dev the config is checked for deploy: a loopback webhook URL is an error, and the
 * `wrangler secret put` commands the Worker needs are printed (Cloudflare's secrets cannot be
 * seen from here). Webhooks marked `"dev_only": true` (the dev inbox) are skipped, and said so:
 * a deployed collector never sends to them. With --dev it is checked for local development (`npm start`, `npm test`):
 * loopback URLs such as the dev inbox are allowed, and each webhook's secret must be in the
 * `.dev.vars` beside the config (or the file LEADLIGHT_DEV_VARS names: `npm start -- --vars FILE`)
 * when that file exists.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError, parseConfig, type Problem, Webhook } from "../worker/config";
import { SecretError, parseSecrets } from "../worker/webhooks/signing";
import { checkWebhookUrl } from "../worker/webhooks/ssrf";

const USAGE = `usage: check-config [--dev] [config file, default leadlight.config.json]
  --dev   local development: loopback webhook URLs allowed, secrets read from .dev.vars`;

interface Options {
  dev: boolean;
  file: string;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = { dev: false, file: "leadlight.config.json" };
  for (const arg of args) {
    if (arg === "--dev") options.dev = true;
    else if (arg === "--help" || arg === "-h") exit(0, USAGE);
    else if (arg.startsWith("-")) exit(1, `unknown option ${arg}\n${USAGE}`);
    else options.file = arg;
  }
  return options;
}

function exit(code: number, message: string): never {
  (code === 0 ? console.log : console.error)(message);
  process.exit(code);
}

/**
 * `.dev.vars` as wrangler reads it (dotenv): `NAME=value` lines, `#` comments, optional quotes.
 */
function parseDevVars(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const [, name = "", raw = ""] = match;
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    vars.set(name, quoted ? (quoted[2] ?? "") : raw.replace(/\s+#.*$/, ""));
  }
  return vars;
}

interface Secret {
  name: string;
  /** JSON path of the `secret_env` that names it. */
  path: string;
  webhook: string;
}

/**
 * SSRF refusals of every webhook that is valid on its own, and the secrets the standard ones
 * sign with. A webhook the schema refuses is left to the schema's message.
 */
function checkWebhooks(input: unknown, dev: boolean): { problems: Problem[]; secrets: Secret[]; skipped: string[] } {
  const hooks = typeof input === "object" && input !== null && "webhooks" in input ? input.webhooks : undefined;
  const problems: Problem[] = [];
  const secrets: Secret[] = [];
  const skipped: string[] = [];
  (Array.isArray(hooks) ? hooks : []).forEach((raw: unknown, index) => {
    const hook = Webhook.safeParse(raw);
    if (!hook.success) return;
    // A deployed collector never sends to a dev_only endpoint, so its URL and secret do not matter there.
    if (!dev && hook.data.dev_only) {
      skipped.push(hook.data.id);
      return;
    }
    const refusal = checkWebhookUrl(hook.data.url, { allowLoopback: dev });
    if (refusal) problems.push({ path: `$.webhooks[${index}].url`, message: refusal });
    if (hook.data.format === "standard" && hook.data.secret_env)
      secrets.push({ name: hook.data.secret_env, path: `$.webhooks[${index}].secret_env`, webhook: hook.data.id });
  });
  return { problems, secrets, skipped };
}

/** Each secret must be in .dev.vars and read the way the Worker will read it. */
function checkDevSecrets(secrets: readonly Secret[], vars: ReadonlyMap<string, string>): Problem[] {
  return secrets.flatMap(({ name, path }) => {
    const value = vars.get(name);
    if (value === undefined)
      return [
        {
          path,
          message: `${name} is not in .dev.vars: add ${name}=whsec_<base64 of random bytes>, or delete .dev.vars and \`npm start\` makes every secret afresh`,
        },
      ];
    try {
      parseSecrets(value, name);
      return [];
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      return [{ path, message: `.dev.vars: ${error.message}` }];
    }
  });
}

function main(options: Options): void {
  const { dev, file } = options;
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    exit(1, `${file} cannot be read as JSON: ${(error as Error).message}`);
  }

  const problems: Problem[] = [];
  let summary = "";
  try {
    const config = parseConfig(input);
    summary = `${config.sites.length} site(s), ${config.webhooks.length} webhook(s)`;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const webhooks = checkWebhooks(input, dev);
  problems.push(...webhooks.problems);

  const varsFile = process.env.LEADLIGHT_DEV_VARS || join(dirname(file), ".dev.vars");
  const notes: string[] = [];
  if (webhooks.skipped.length > 0)
    notes.push(
      `Skipped dev_only webhook(s) ${webhooks.skipped.map((id) => `"${id}"`).join(", ")}: a deployed collector never sends to them.`,
    );
  if (dev && existsSync(varsFile)) {
    problems.push(...checkDevSecrets(webhooks.secrets, parseDevVars(readFileSync(varsFile, "utf8"))));
  } else if (dev && webhooks.secrets.length > 0) {
    notes.push(`No ${varsFile} yet: \`npm start\` creates it with fresh secrets, which wrangler dev signs webhooks with.`);
  } else if (!dev) {
    // Cloudflare's secrets cannot be read from here: say which must exist, each once.
    const hooksBySecret = new Map<string, string[]>();
    for (const { name, webhook } of webhooks.secrets) hooksBySecret.set(name, [...(hooksBySecret.get(name) ?? []), `"${webhook}"`]);
    notes.push("The Worker reads these secrets; set each once before deploying (this check cannot see them):");
    notes.push("  npx wrangler secret put ADMIN_TOKEN    # the admin API's bearer token");
    for (const [name, hooks] of hooksBySecret)
      notes.push(`  npx wrangler secret put ${name}    # a whsec_<base64> value; signs webhook ${hooks.join(", ")}`);
  }

  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.path}: ${p.message}`);
    const mode = dev ? "" : "\n(checked for deploy; `--dev` checks for local development, where loopback webhook URLs are allowed)";
    exit(1, `${file} is invalid:\n${lines.join("\n")}${mode}`);
  }
  console.log(`config: ${file} is valid for ${dev ? "local development" : "deploy"} (${summary})`);
  for (const note of notes) console.log(note);
}

main(parseArgs(process.argv.slice(2)));
