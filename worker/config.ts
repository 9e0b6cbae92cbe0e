/**
 * `leadlight.config.json`: its schema, its types and its loading. The file is the whole truth:
 * a key the schema does not name is an error, and an invalid file is refused whole with the
 * JSON path and the reason, never half-applied.
 */
import { z } from "zod";
import { EVENT_TYPES } from "../shared/wire";

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
  .refine((d) => !DURATION.test(d) || durationMs(d) > 0, "a duration must be longer than zero");

/**
 * Path globs: `*` matches any run of characters (slashes included), `?` one character;
 * everything else is literal. The whole URL path must match.
 */
export function globToRegExp(glob: string): RegExp {
  const source = glob
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.+()[\]{}|/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}

const Glob = z
  .string()
  .min(1)
  .refine((g) => g.startsWith("/") || g.startsWith("*"), 'a path glob starts with "/" or "*"');

const Regex = z.string().min(1).superRefine((source, ctx) => {
  try {
    new RegExp(source, "i");
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

const RuleId = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, "a rule id is letters, digits, '-', '_' and '.'");

export const STAGES = ["anonymous", "known", "mql", "sql", "accepted", "recycled", "won", "lost"] as const;
export type Stage = (typeof STAGES)[number];

export const EngagementRule = z
  .strictObject({
    id: RuleId,
    on: z.enum(EVENT_TYPES),
    path: Glob.optional(),
    name: z.string().min(1).optional(),
    props: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    nth: z.number().int().min(2).optional(),
    within: Duration.optional(),
    cap: z.strictObject({ points: z.number().positive(), per: Duration }).optional(),
    points: z.number().finite(),
    qualifies: z.enum(["mql", "sql"]).optional(),
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
    trait: z.string().min(1),
    free_email: z.boolean().optional(),
    matches: Regex.optional(),
    between: z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo <= hi, "between is [low, high] with low ≤ high").optional(),
    points: z.number().finite(),
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

export const Intent = z.strictObject({
  awareness: z.number().finite().default(0),
  consideration: z.number().finite().default(0),
  decision: z.number().finite().default(0),
  transactional: z.number().finite().default(0),
  intent_terms: IntentTerms.optional(),
});

const StageThreshold = z.strictObject({
  min_score: z.number().finite(),
  require_identified: z.boolean().optional(),
  min_fit: z.number().finite().optional(),
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
    half_life_days: z.number().positive().default(30),
    engagement: z.array(EngagementRule).superRefine(uniqueIds),
    fit: z.array(FitRule).superRefine(uniqueIds).default([]),
    intent: Intent.default({ awareness: 0, consideration: 0, decision: 0, transactional: 0 }),
    stages: z
      .strictObject({ mql: StageThreshold, sql: StageThreshold })
      .refine((s) => s.sql.min_score >= s.mql.min_score, {
        message: "sql.min_score must be at least mql.min_score",
        path: ["sql", "min_score"],
      }),
  });

const Origin = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}, 'an origin is scheme://host[:port] with no path or trailing slash, e.g. "https://example.com"');

export const Site = z.strictObject({
  key: z.string().min(1).max(64),
  name: z.string().min(1),
  origins: z.array(Origin),
  /** Replaces the default scoring for this site. */
  scoring: Scoring.optional(),
});

export const WEBHOOK_EVENTS = [
  "lead.identified",
  "lead.mql",
  "lead.sql",
  "lead.accepted",
  "lead.recycled",
  "lead.won",
  "lead.lost",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

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
    id: RuleId,
    url: HttpUrl,
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1),
    /** Name of the Worker secret that holds the `whsec_...` signing secret(s). */
    secret_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name, e.g. WEBHOOK_SECRET_SALES").optional(),
    format: z.enum(["standard", "slack"]).default("standard"),
  })
  .superRefine((hook, ctx) => {
    if (hook.format === "standard" && !hook.secret_env)
      ctx.addIssue({ code: "custom", path: ["secret_env"], message: "a standard webhook is signed: name its secret_env" });
  });

export const Config = z
  .strictObject({
    sites: z.array(Site).min(1),
    scoring: Scoring,
    webhooks: z.array(Webhook).superRefine(uniqueIds).default([]),
  })
  .superRefine((config, ctx) => {
    const keys = new Set<string>();
    config.sites.forEach((site, index) => {
      if (keys.has(site.key)) ctx.addIssue({ code: "custom", path: ["sites", index, "key"], message: `duplicate site key "${site.key}"` });
      keys.add(site.key);
    });
  });

export type Config = z.infer<typeof Config>;
export type ScoringConfig = z.infer<typeof Scoring>;
export type EngagementRule = z.infer<typeof EngagementRule>;
export type FitRule = z.infer<typeof FitRule>;
export type SiteConfig = z.infer<typeof Site>;
export type WebhookConfig = z.infer<typeof Webhook>;

/** A refused config: every problem, each with the JSON path where it is. */
export class ConfigError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(`leadlight.config.json is invalid:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const jsonPath = (path: PropertyKey[]): string =>
  path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : `${out}.${String(key)}`), "$");

/**
 * Validates a parsed config file, returning it with defaults filled in.
 *
 * @example
 * const config = parseConfig(JSON.parse(readFileSync("leadlight.config.json", "utf8")));
 * // throws ConfigError: "$.scoring.engagement[2].within: a duration is ..."
 */
export function parseConfig(input: unknown): Config {
  const result = Config.safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message })));
  }
  return result.data;
}

/** The scoring rules in force for a site: its own when it has them, the default otherwise. */
export const scoringFor = (config: Config, site: SiteConfig): ScoringConfig => site.scoring ?? config.scoring;
