// `npm run preview -- candidate.json [--url http://127.0.0.1:8787] [--site pk_demo] [--limit 1000]`:
// what a rule change would do before it goes live. Posts the candidate config to the collector's
// POST /v1/preview, which replays the most recently seen known leads under it and writes nothing,
// and prints stage counts before → after, the leads that would move, and every rule's reach.
// The admin token comes from ADMIN_TOKEN in the environment, else from .dev.vars.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

const USAGE = "usage: npm run preview -- candidate.json [--url http://127.0.0.1:8787] [--site pk_demo] [--limit 1000]";

function parseArgs(argv) {
  const options = { url: "http://127.0.0.1:8787", site: undefined, limit: undefined, file: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") fail(USAGE, 0);
    else if (arg === "--url" || arg === "--site" || arg === "--limit") {
      const value = argv[++i];
      if (value === undefined) fail(`${arg} needs a value\n${USAGE}`);
      options[arg.slice(2)] = value;
    } else if (arg.startsWith("--")) fail(`unknown option ${arg}\n${USAGE}`);
    else if (options.file === undefined) options.file = arg;
    else fail(`one candidate file at a time\n${USAGE}`);
  }
  if (options.file === undefined) fail(USAGE);
  if (options.limit !== undefined) {
    options.limit = Number(options.limit);
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 5000) fail("--limit takes a whole number from 1 to 5000");
  }
  return options;
}

function fail(message, code = 1) {
  (code === 0 ? console.log : console.error)(message);
  process.exit(code);
}

/** ADMIN_TOKEN from the environment, else the line in .dev.vars that `npm start` wrote. */
function adminToken() {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  if (!existsSync(".dev.vars")) return undefined;
  for (const line of readFileSync(".dev.vars", "utf8").split(/\r?\n/)) {
    const match = /^\s*ADMIN_TOKEN\s*=\s*(.*?)\s*$/.exec(line);
    if (match) return match[1].replace(/^(["'])(.*)\1$/, "$2");
  }
  return undefined;
}

/** Plain-text columns: text left-aligned, numbers (and arrows between them) right-aligned. */
function table(header, rows) {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((row) => typeof row[c] === "number" || /^[-+\d.→ ()]+$/.test(String(row[c]))));
  return cells
    .map((row) => row.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("   ").trimEnd())
    .join("\n");
}

const signed = (n) => {
  const rounded = Math.round(n * 10) / 10;
  return rounded > 0 ? `+${rounded}` : rounded < 0 ? `${rounded}` : "0";
};
const change = (before, after) => `${before} → ${after}${before === after ? "" : ` (${signed(after - before)})`}`;

function print(answer, options) {
  const scope = options.site ? ` of ${options.site}` : "";
  const more = answer.sampled ? "; more leads exist than were replayed (--limit, at most 5000)" : "";
  console.log(`What-if of ${options.file}: ${answer.leads} known lead(s)${scope}, the most recently seen${more}.`);
  console.log("Nothing was written: no stage moved and no alert was sent.\n");
  if (answer.leads === 0) return;

  const stages = Object.keys(answer.stages.before);
  console.log(table(["stage", "before", "after", "change"], stages.map((s) => [s, answer.stages.before[s], answer.stages.after[s], signed(answer.stages.after[s] - answer.stages.before[s])])));

  const capped = answer.moves.length >= 100 ? ", the 100 with the biggest score change" : "";
  console.log(`\nLeads that would move (${answer.moves.length}${capped}):`);
  if (answer.moves.length === 0) console.log("  none");
  else console.log(table(["lead", "stage", "score"], answer.moves.map((m) => [m.email ?? m.lead, `${m.from} → ${m.to}`, change(m.score_before, m.score_after)])));

  console.log("\nRules:");
  console.log(
    table(
      ["rule", "leads", "points"],
      answer.rules.map((r) => [r.rule, change(r.leads_before, r.leads_after), change(r.points_before, r.points_after)]),
    ),
  );
}

const options = parseArgs(process.argv.slice(2));
let config;
try {
  // npm runs scripts from the project root; the file is named relative to where npm was run.
  config = JSON.parse(readFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), options.file), "utf8"));
} catch (error) {
  fail(`${options.file}: ${error.code === "ENOENT" ? "no such file" : `not JSON: ${error.message}`}`);
}
const token = adminToken();
if (!token) fail("no admin token: set ADMIN_TOKEN, or run `npm start` once to create .dev.vars");

const endpoint = new URL("/v1/preview", options.url);
let response;
try {
  response = await fetch(endpoint, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ config, site: options.site, limit: options.limit }),
  });
} catch (error) {
  fail(`cannot reach ${endpoint.origin} (${error.cause?.code ?? error.message}): is the collector running? \`npm start\` starts it`);
}
const body = await response.json().catch(() => null);
if (!response.ok) {
  const error = body?.error ?? {};
  if (error.code === "invalid_config") {
    fail(`${options.file} is not a valid leadlight.config.json:\n${(error.problems ?? []).map((p) => `  ${p.path}: ${p.message}`).join("\n")}`);
  }
  if (response.status === 401) fail(`${endpoint.origin} refused the admin token: ADMIN_TOKEN (environment, else .dev.vars) must be the collector's`);
  const issues = (error.issues ?? []).map((i) => `\n  ${i.path.join(".") || "(body)"}: ${i.message}`).join("");
  fail(`${endpoint.href} answered ${response.status} ${error.code ?? ""}: ${error.message ?? "no error body"}${issues}`);
}
print(body, options);
