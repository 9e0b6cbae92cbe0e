/**
 * `leadlight.config.json`: its schema, its types and its loading. The file is the whole truth:
 * a key the schema does not name is an error, and an invalid file is refused whole with the
 * JSON path and the reason, never half-applied; a misspelt key or value gets a "did you mean".
 *
 * leadlight.config.schema.json, the JSON Schema editors check the file with, is generated from
 * these schemas (descriptions included): after changing them, run `npm run config:schema`.
 */
import * as z from "zod";
import { EVENT_TYPES } from "../shared/wire";

// The scoring engine's tests still import the glob definition from here; the one implementation
// lives in ./glob.
export { globToRegExp } from "./glob";

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `"7d"` → 604800000. Only call on values the schema accepted. */
export function durationMs(duration: string): number {
  const match = DURATION.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const Duration = z
  .string()
  .regex(DURATION, 'a duration is a whole number and a unit: "30s", "15m", "12h", "7d"')
  .refine((d) => !DURATION.test(d) || durationMs(d) > 0, "a duration must be longer than zero")
  .meta({ id: "duration", description: 'A whole number and a unit: "30s", "15m", "12h", "7d".' });

// A pattern rather than a refinement, so the JSON Schema carries it to editors too.
const Glob = z.string().regex(/^[/*]/, 'a path glob starts with "/" or "*"');

const Regex = z.string().min(1).superRefine((source, ctx) => {
  try {
    new RegExp(source, "i");
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

// Both cases spelt out: a JSON Schema pattern has no flags, and editors must accept what we do.
const RuleId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a rule id is letters, digits, '-', '_' and '.'")
  .describe("Names the rule in score explanations, webhooks, stats and the dashboard; unique in its scoring.");

export const STAGES = ["anonymous", "known", "mql", "sql", "accepted", "recycled", "won", "lost"] as const;
export type Stage = (typeof STAGES)[number];

export const EngagementRule = z
  .strictObject({
    id: RuleId,
    on: z.enum(EVENT_TYPES).describe("The event type the rule scores."),
    path: Glob.optional().describe(
      "A glob on the URL path: * is any run of characters (slashes included), ? one character; the whole path must match.",
    ),
    name: z.string().min(1).optional().describe('A track event\'s name; only with "on": "track".'),
    props: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .optional()
      .describe("Exact property matches: each must equal the event's property."),
    nth: z
      .number()
      .int()
      .min(2)
      .optional()
      .describe('Award on the Nth matching event (2: the second pricing visit): over the lead\'s life, or inside "within".'),
    within: Duration.optional().describe('With "nth": the sliding window the N matching events must fall in.'),
    cap: z
      .strictObject({
        points: z.number().positive().describe("The most points the rule gives per period."),
        per: Duration.describe('The period, aligned to UTC: "1d" is a calendar day.'),
      })
      .optional()
      .describe("Bounds the rule's points per period."),
    points: z.number().finite().describe("Points per award; negative for behaviour that lowers the score. Awards decay."),
    qualifies: z.enum(["mql", "sql"]).optional().describe("Moves the lead to this stage at once, whatever its score."),
  })
  .superRefine((rule, ctx) => {
    if (rule.within && rule.nth === undefined)
      ctx.addIssue({ code: "custom", path: ["within"], message: '"within" needs "nth": the Nth matching event inside the window' });
    if (rule.name !== undefined && rule.on !== "track")
      ctx.addIssue({ code: "custom", path: ["name"], message: '"name" matches track events only: use "on": "track"' });
  });

export const FitRule = z
  .strictObject({
    id: RuleId,
    trait: z
      .string()
      .min(1)
      .describe("The identify trait the rule reads: email, title, company_size, industry, country, or your own."),
    free_email: z
      .boolean()
      .optional()
      .describe('With "trait": "email": true matches free-mail domains, false business domains.'),
    matches: Regex.optional().describe("A case-insensitive regular expression the trait must match."),
    between: z
      .tuple([z.number(), z.number()])
      .refine(([lo, hi]) => lo <= hi, "between is [low, high] with low ≤ high")
      .optional()
      .describe('An inclusive range [low, high] for a numeric trait ("51-200" reads as 51).'),
    points: z.number().finite().describe("Points when the rule matches; fit never decays."),
  })
  .superRefine((rule, ctx) => {
    const conditions = [rule.free_email, rule.matches, rule.between].filter((c) => c !== undefined);
    if (conditions.length > 1)
      ctx.addIssue({ code: "custom", message: 'a fit rule takes one of "free_email", "matches" or "between"' });
    if (rule.free_email !== undefined && rule.trait !== "email")
      ctx.addIssue({ code: "custom", path: ["free_email"], message: '"free_email" applies to the "email" trait only' });
  });

export const INTENT_CLASSES = ["awareness", "consideration", "decision", "transactional"] as const;
export type IntentClass = (typeof INTENT_CLASSES)[number];

const IntentTerms = z.strictObject(
  Object.fromEntries(INTENT_CLASSES.map((c) => [c, z.array(z.string().trim().min(1)).optional()])) as Record<
    IntentClass,
    z.ZodOptional<z.ZodArray<z.ZodString>>
  >,
);

const intentPoints = (stage: string) =>
  z.number().finite().default(0).describe(`Points when a search term signals ${stage}.`);

export const Intent = z.strictObject({
  awareness: intentPoints("awareness (troubleshoot, improve, how to, ...)"),
  consideration: intentPoints("consideration (tool, vendor, software, ...)"),
  decision: intentPoints("a decision (compare, vs, review, pricing, ...)"),
  transactional: intentPoints("a purchase (buy, order, quote, ...)"),
  intent_terms: IntentTerms.optional().describe('Words added to a class\'s vocabulary, e.g. {"decision": ["alternative"]}.'),
});

const StageThreshold = z.strictObject({
  min_score: z.number().finite().describe("The score a lead needs to reach this stage."),
  require_identified: z.boolean().optional().describe("Only a lead that gave an email can reach this stage."),
  min_fit: z.number().finite().optional().describe("The fit score a lead needs, whatever its engagement."),
});

const uniqueIds = <T extends { id: string }>(items: T[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.id)) ctx.addIssue({ code: "custom", path: [index, "id"], message: `duplicate id "${item.id}"` });
    seen.add(item.id);
  });
};

export const Scoring = z
  .strictObject({
    half_life_days: z
      .number()
      .positive()
      .default(30)
      .describe("Each engagement award halves after this many days, so a lead that went quiet cools down."),
    engagement: z.array(EngagementRule).superRefine(uniqueIds).describe("Points from behaviour: rules on events."),
    fit: z
      .array(FitRule)
      .superRefine(uniqueIds)
      .default([])
      .describe("Points from the traits given at identify; fit does not decay."),
    intent: Intent.default({ awareness: 0, consideration: 0, decision: 0, transactional: 0 }).describe(
      "Points per search-intent class of a search term (utm_term or the site's own search).",
    ),
    stages: z
      .strictObject({
        mql: StageThreshold.describe("Marketing qualified: engaged and fitting the target profile."),
        sql: StageThreshold.extend({
          require_fit: z
            .array(RuleId)
            .optional()
            .describe(
              'BANT gating: fit rule ids (e.g. a budget trait and a title rule) that must all have awarded before a score can make a lead SQL. A rule with "qualifies": "sql" still does at once.',
            ),
          sla: Duration.optional().describe(
            'Speed to lead: how long sales may take to give feedback on an SQL, e.g. "4h". When it passes with none, a lead.sla_missed webhook goes out once.',
          ),
        }).describe("Sales qualified: ready for sales."),
      })
      .refine((s) => s.sql.min_score >= s.mql.min_score, {
        message: "sql.min_score must be at least mql.min_score",
        path: ["sql", "min_score"],
      })
      .describe("The thresholds that move a lead to MQL and SQL."),
  })
  .superRefine((scoring, ctx) => {
    // A gate naming no fit rule, or one that never awards, would keep every lead from SQL by score.
    const fitPoints = new Map(scoring.fit.map((rule) => [rule.id, rule.points]));
    scoring.stages.sql.require_fit?.forEach((id, index) => {
      const points = fitPoints.get(id);
      if (points === undefined || points === 0)
        ctx.addIssue({
          code: "custom",
          path: ["stages", "sql", "require_fit", index],
          message:
            points === undefined
              ? `"${id}" is not a fit rule: require_fit names fit rules (${[...fitPoints.keys()].join(", ") || "there are none"})`
              : `fit rule "${id}" gives 0 points, so it never awards: give it points or leave it out of require_fit`,
        });
    });
    // Reasons, stats and the dashboard name a rule by its id alone, so an engagement and a fit
    // rule sharing one would be counted as one rule.
    const engagement = new Set(scoring.engagement.map((rule) => rule.id));
    scoring.fit.forEach((rule, index) => {
      if (engagement.has(rule.id))
        ctx.addIssue({
          code: "custom",
          path: ["fit", index, "id"],
          message: `duplicate id "${rule.id}": an engagement rule has it too, and reasons name a rule by its id alone`,
        });
    });
  })
  .meta({ id: "scoring", description: "Scoring rules: score = engagement + fit." });

const Origin = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}, 'an origin is scheme://host[:port] with no path or trailing slash, e.g. "https://example.com"');

/** What one lead of a site may take in before Leadlight stops trusting it; defaults fit a B2B site. */
export const Limits = z
  .strictObject({
    new_devices_per_lead_per_day: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe(
        "New devices (anonymous ids) that may join one known lead within 24 hours by an unverified identify. Beyond it a device's events are stored, marked claimed and flagged (bot reason devices), and never score; verified identifies always join.",
      ),
    events_per_lead_per_hour: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe(
        "Events one lead (or anonymous visitor) may take in within an hour. Beyond it events are still stored, flagged with the bot reason flood, and never score; a person reading pages sends a few dozen an hour.",
      ),
  })
  .describe("Per-lead limits against abuse.");

export const Site = z.strictObject({
  key: z.string().min(1).max(64).describe('The public site key the script tag carries in data-site, e.g. "pk_demo".'),
  name: z.string().min(1).describe("The site's name in the dashboard."),
  origins: z
    .array(Origin)
    .describe('Origins allowed to send events: scheme://host[:port], no path or trailing slash, e.g. "https://example.com".'),
  scoring: Scoring.optional().describe("Replaces the default scoring for this site."),
  identity_secret_env: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name, e.g. IDENTITY_SECRET_DEMO")
    .optional()
    .describe(
      "The environment variable holding this site's identity secret. The site's server sends hash = hex HMAC-SHA256(secret, normalized email) with an identify; a matching hash makes it verified (trusted). Without it every browser identify is only a claim.",
    ),
  limits: Limits.default({ new_devices_per_lead_per_day: 5, events_per_lead_per_hour: 1000 }),
});


export const WEBHOOK_EVENTS = [
  "lead.identified",
  "lead.mql",
  "lead.sql",
  "lead.accepted",
  "lead.recycled",
  "lead.won",
  "lead.lost",
  // Not a stage change: an SQL got no sales feedback within stages.sql.sla.
  "lead.sla_missed",
  // Not a lead's: an account (a business email domain) turned hot, see accounts.hot.
  "account.hot",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];
/** The alerts about one lead (all but account.hot). */
export type LeadEventType = Exclude<WebhookEventType, "account.hot">;

const HttpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}, "a webhook url is an absolute http(s) URL");

export const Webhook = z
  .strictObject({
    id: RuleId.describe("Names the endpoint in the delivery log; unique among webhooks."),
    url: HttpUrl.describe(
      "Where alerts are POSTed: an absolute http(s) URL. Loopback addresses are allowed only in local development; private and link-local addresses never.",
    ),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).describe("The alert types this endpoint receives."),
    secret_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name, e.g. WEBHOOK_SECRET_SALES")
      .optional()
      .describe(
        "The Worker secret (locally a line of .dev.vars) holding the whsec_<base64> signing secret; several, space-separated, while rotating. Required for the standard format.",
      ),
    format: z
      .enum(["standard", "slack"])
      .default("standard")
      .describe("standard: a JSON body signed the Standard Webhooks way; slack: a Slack-ready message."),
    dev_only: z
      .boolean()
      .optional()
      .describe(
        "true: this endpoint exists only in local development (like the dev inbox). A deployed collector never writes or sends its alerts, and the deploy check skips it.",
      ),
  })
  .superRefine((hook, ctx) => {
    if (hook.format === "standard" && !hook.secret_env)
      ctx.addIssue({ code: "custom", path: ["secret_env"], message: "a standard webhook is signed: name its secret_env" });
  });

export const Accounts = z
  .strictObject({
    hot: z
      .strictObject({
        min_leads: z.number().int().min(1).describe("How many of the account's leads must have been active within the window."),
        min_score: z.number().finite().describe("The summed score those active leads must reach."),
        within: Duration.describe('The window, e.g. "14d": leads seen within it count, and the alert goes out once per account per window.'),
      })
      .optional()
      .describe("When an account turns hot: an account.hot webhook goes out."),
  })
  .meta({ id: "accounts", description: "Accounts: the known leads of one business email domain, per site (free-mail domains never form one)." });

export const Config = z
  .strictObject({
    $schema: z
      .string()
      .optional()
      .describe('The JSON Schema editors check this file with: "./leadlight.config.schema.json". Ignored by Leadlight.'),
    sites: z.array(Site).min(1).describe("The sites that may send events, each with its public key and origins."),
    scoring: Scoring.describe("The default scoring, for every site without its own."),
    webhooks: z
      .array(Webhook)
      .superRefine(uniqueIds)
      .default([])
      .describe("Endpoints told when a lead changes stage. Their secrets come from the environment, never from this file."),
    accounts: Accounts.optional(),
  })
  .superRefine((config, ctx) => {
    const keys = new Set<string>();
    config.sites.forEach((site, index) => {
      if (keys.has(site.key)) ctx.addIssue({ code: "custom", path: ["sites", index, "key"], message: `duplicate site key "${site.key}"` });
      keys.add(site.key);
    });
  })
  .meta({
    title: "leadlight.config.json",
    description:
      "Leadlight's sites, scoring rules, stage thresholds and webhook endpoints. Generated from worker/config.ts by `npm run config:schema`; it checks shapes, types and patterns. What JSON Schema cannot say (unique ids and site keys, regular expressions that compile, \"within\" needing \"nth\", one condition per fit rule, sql.min_score ≥ mql.min_score, webhook URLs and secrets) is checked by `npm run build`, `npm start` and the collector itself.",
  });

export type Config = z.infer<typeof Config>;
export type AccountsConfig = z.infer<typeof Accounts>;
export type ScoringConfig = z.infer<typeof Scoring>;
export type EngagementRule = z.infer<typeof EngagementRule>;
export type FitRule = z.infer<typeof FitRule>;
export type SiteConfig = z.infer<typeof Site>;
export type Limits = z.infer<typeof Limits>;
export type WebhookConfig = z.infer<typeof Webhook>;

export interface Problem {
  /** Where, as a JSON path: `$.scoring.engagement[2].within`. */
  path: string;
  message: string;
}

/** A refused config: every problem, each with the JSON path where it is. */
export class ConfigError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`leadlight.config.json is invalid:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["scoring", "engagement", 2, "within"]` → `$.scoring.engagement[2].within`. */
const jsonPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((out, key) => {
    if (typeof key === "number") return `${out}[${key}]`;
    const name = String(key);
    return IDENTIFIER.test(name) ? `${out}.${name}` : `${out}[${JSON.stringify(name)}]`;
  }, "$");

/**
 * Edit distance where swapping two neighbouring letters is one edit, like any other typo
 * (optimal string alignment distance).
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] as number) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The allowed words nearest to a mistyped one, when near enough to be what was meant: at most
 * one edit in four letters, ignoring case. Ties are all returned, in the order allowed.
 *
 * @example
 * suggest("witin", ["nth", "within", "cap"]) // ["within"]
 * suggest("colour", ["nth", "within", "cap"]) // []
 */
export function suggest(input: string, allowed: readonly string[]): string[] {
  const limit = Math.max(1, Math.floor(input.length / 4));
  const scored = allowed.map((word) => ({ word, distance: editDistance(input.toLowerCase(), word.toLowerCase()) }));
  const nearest = Math.min(...scored.map((s) => s.distance));
  return nearest > limit ? [] : scored.filter((s) => s.distance === nearest).map((s) => s.word);
}

const quoted = (words: readonly unknown[]) => words.map((w) => JSON.stringify(w)).join(", ");
const didYouMean = (words: readonly string[]) => `did you mean ${words.map((w) => JSON.stringify(w)).join(" or ")}?`;

/** The schema that validates the value at `path`, seen through optional and default wrappers. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  const unwrap = (s: z.ZodType): z.ZodType =>
    s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable ? unwrap(s.unwrap() as z.ZodType) : s;
  let current: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    if (current instanceof z.ZodObject && typeof key === "string") current = current.shape[key] as z.ZodType | undefined;
    else if (current instanceof z.ZodArray && typeof key === "number") current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else if (current instanceof z.ZodTuple && typeof key === "number") current = current.def.items[key] as z.ZodType | undefined;
    else return undefined;
    if (current === undefined) return undefined;
    current = unwrap(current);
  }
  return current;
}

/** One issue as problems a person can act on: a misspelt key or value gets a "did you mean". */
function problemsOf(issue: z.core.$ZodIssue): Problem[] {
  if (issue.code === "unrecognized_keys") {
    const object = schemaAt(Config, issue.path);
    const allowed = object instanceof z.ZodObject ? Object.keys(object.shape) : [];
    return issue.keys.map((key) => {
      const near = suggest(key, allowed);
      const hint = near.length > 0 ? didYouMean(near) : allowed.length > 0 ? `the keys here are ${quoted(allowed)}` : "";
      return { path: jsonPath([...issue.path, key]), message: hint ? `unknown key: ${hint}` : "unknown key" };
    });
  }
  if (issue.code === "invalid_value" && typeof issue.input === "string" && issue.values.every((v) => typeof v === "string")) {
    const values = issue.values as string[];
    const near = suggest(issue.input, values);
    const message = `${JSON.stringify(issue.input)} is not one of ${quoted(values)}`;
    return [{ path: jsonPath(issue.path), message: near.length > 0 ? `${message}: ${didYouMean(near)}` : message }];
  }
  return [{ path: jsonPath(issue.path), message: issue.message }];
}

/**
 * Validates a parsed config file, returning it with defaults filled in.
 *
 * @example
 * const config = parseConfig(JSON.parse(readFileSync("leadlight.config.json", "utf8")));
 * // throws ConfigError: "$.scoring.engagement[2].witin: unknown key: did you mean \"within\"?"
 */
export function parseConfig(input: unknown): Config {
  // The input rides on each issue only to find what a misspelt value was meant to be.
  const result = Config.safeParse(input, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.flatMap(problemsOf));
  return result.data;
}

/** The scoring rules in force for a site: its own when it has them, the default otherwise. */
export const scoringFor = (config: Config, site: SiteConfig): ScoringConfig => site.scoring ?? config.scoring;
