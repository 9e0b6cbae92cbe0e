/**
 * The admin API (Authorization: Bearer ADMIN_TOKEN): leads (list, read, look up, feedback,
 * export, erase), server-side identify, funnel stats and the webhook delivery log. Each route
 * validates its input through http/validate.ts and calls a lead object or the lead index.
 *
 * @example
 * curl -H "Authorization: Bearer $ADMIN_TOKEN" 'http://127.0.0.1:8787/v1/leads?email=ada@acme.io'
 */
import { Hono, type MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import * as z from "zod";
import { DELIVERY_STATUSES, type LeadView } from "../shared/api";
import { Email, LIMITS, Traits, normalizeEmail } from "../shared/wire";
import { type Config, ConfigError, STAGES, parseConfig } from "./config";
import type { Env } from "./env";
import { deliveryLog, deliveryOwner } from "./account/deliveries";
import { accountRoutes } from "./account/routes";
import { accountStub } from "./account/stub";
import { CHANNELS } from "./attribution/touch";
import { ApiError } from "./errors";
import { collectorBase } from "./http/base-path";
import { jsonBody, query } from "./http/validate";
import { emailLead, leadById, visitorLead, visitorObjectName } from "./identity";
import { calibrate, feedbackSummary, slaCutoffs } from "./calibration";
import { byChannel, eraseLead, feedbackFacts, funnel, listLeads, openOverSla } from "./lead-index";
import { fromWire } from "./lead/store";
import { Cursor } from "./paging";
import { replay } from "./preview/replay";
import { FEEDBACK_OUTCOMES } from "./scoring/lifecycle";
import { loadConfig } from "./settings";
import { sweeper } from "./sweep/notice";

export const admin = new Hono<{ Bindings: Env }>();

/** `Bearer <token>`, the token in RFC 6750's characters. */
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/**
 * The admin token check: 401 unauthorized with an RFC 6750 challenge (WWW-Authenticate) saying
 * what was wrong; the token is compared in constant time. Written out here instead of hono's
 * bearer-auth, which cost 2 KiB of the Worker's 150 KiB budget for these few lines.
 */
const requireAdmin: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const header = c.req.header("authorization");
  const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
  const expected = c.env.ADMIN_TOKEN;
  if (token !== undefined && typeof expected === "string" && expected.length > 0 && (await timingSafeEqual(token, expected))) return next();
  const [challenge, message] =
    header === undefined
      ? ['Bearer realm=""', "send Authorization: Bearer <ADMIN_TOKEN>"]
      : token === undefined
        ? ['Bearer error="invalid_request"', "the Authorization header must be: Bearer <ADMIN_TOKEN>"]
        : ['Bearer error="invalid_token"', "the admin token is wrong, or the ADMIN_TOKEN secret is not set"];
  throw new ApiError("unauthorized", message, {}, { "www-authenticate": challenge });
};

for (const path of ["/v1/leads", "/v1/leads/*", "/v1/identify", "/v1/stats", "/v1/stats/*", "/v1/deliveries", "/v1/deliveries/*", "/v1/accounts", "/v1/accounts/*"]) {
  admin.use(path, requireAdmin);
}
accountRoutes(admin);

type Stub = NonNullable<ReturnType<typeof leadById>>;

/** Reads a lead, following a visitor that handed over to a known lead. */
async function read(env: Env, stub: Stub | null): Promise<LeadView | null> {
  for (let hops = 0; stub && hops < 3; hops++) {
    const view = await stub.describe();
    if (!view) return null;
    if (!("forward_to" in view)) return view;
    stub = leadById(env, view.forward_to);
  }
  return null;
}

/** The lead behind :id, following a hand-over, or 404. */
async function resolve(env: Env, id: string): Promise<{ id: string; stub: Stub; view: LeadView }> {
  const view = await read(env, leadById(env, id));
  const stub = view ? leadById(env, view.lead.id) : null;
  if (!view || !stub) throw new ApiError("not_found", `no lead has the id "${id}"`);
  return { id: view.lead.id, stub, view };
}

admin.get("/v1/leads/:id", async (c) => c.json((await resolve(c.env, c.req.param("id"))).view));

const Feedback = z
  .strictObject({
    outcome: z.enum(FEEDBACK_OUTCOMES),
    reason: z.string().max(LIMITS.textLength).optional(),
    /** The deal size of a won lead, in the site's currency. */
    amount: z.number().finite().nonnegative().max(1e15).optional(),
  })
  .refine((f) => f.amount === undefined || f.outcome === "won", { message: "amount goes with outcome won only", path: ["amount"] });

admin.post(
  "/v1/leads/:id/feedback",
  jsonBody(Feedback, 'the body must be {"outcome": "accepted"|"rejected"|"won"|"lost", "reason"?, "amount"? (with won)}'),
  async (c) => {
    const { outcome, reason, amount } = c.req.valid("json");
    const { id, stub } = await resolve(c.env, c.req.param("id"));
    const result = await stub.feedback(outcome, reason ?? null, amount ?? null);
    if (!result.ok) throw new ApiError("invalid_transition", result.message);
    const view = await read(c.env, stub);
    return c.json({ lead: view?.lead ?? { id }, from: result.from, to: result.to });
  },
);

admin.get("/v1/leads/:id/export", async (c) => {
  const { stub } = await resolve(c.env, c.req.param("id"));
  return c.json(await stub.exportAll());
});

admin.delete("/v1/leads/:id", async (c) => {
  const { id, stub } = await resolve(c.env, c.req.param("id"));
  // The lead erases the objects of the anonymous ids that handed over to it as well (object.ts).
  const erased = await stub.erase();
  const site = erased?.site ?? "";
  const visitors = erased?.visitors ?? [];
  const ids = [id, ...visitors.map((visitor) => c.env.LEAD.idFromName(visitorObjectName(site, visitor)).toString())];
  await Promise.all(ids.map((leadId) => eraseLead(c.env.LEAD_INDEX, leadId)));
  return c.json({ deleted: id, visitors: visitors.length });
});

/** Every list answers in pages: `limit` (default 50, at most 500) and `next_cursor`. */
const Limit = z.coerce.number().int().min(1).max(500).default(50);

const LeadQuery = z.strictObject({
  site: z.string().max(LIMITS.idLength).optional(),
  email: z.string().max(254).optional(),
  visitor: z.string().max(LIMITS.idLength).optional(),
  stage: z.enum(STAGES).optional(),
  min_score: z.coerce.number().finite().optional(),
  /** Search: part of the email or its domain, the name or the company; blank searches nothing. */
  q: z
    .string()
    .trim()
    .max(100)
    .transform((q) => (q === "" ? undefined : q))
    .optional(),
  channel: z.enum(CHANNELS, { error: `channel is one of ${CHANNELS.join(", ")}` }).optional(),
  limit: Limit,
  cursor: Cursor.optional(),
});

/**
 * Leads by score from the lead index, or one lead looked up directly by email or by visitor
 * (straight from its object, so it is current to the last event).
 */
admin.get("/v1/leads", query(LeadQuery, "unknown or malformed query parameters"), async (c) => {
  const { site, email, visitor, stage, min_score, q, channel, limit, cursor } = c.req.valid("query");
  if (visitor !== undefined && site === undefined) throw new ApiError("invalid_request", "visitor= needs site=");

  if (email === undefined && visitor === undefined) {
    return c.json(await listLeads(c.env.LEAD_INDEX, { site, stage, min_score, q, channel, limit, cursor }));
  }
  if (q !== undefined || channel !== undefined) {
    throw new ApiError("invalid_request", "q= and channel= filter the listing; email= and visitor= look up one lead: send one or the other");
  }
  const sites = loadConfig(c.env).sites.filter((s) => site === undefined || s.key === site);
  const stubs =
    email !== undefined
      ? sites.map((s) => emailLead(c.env, s.key, normalizeEmail(email)))
      : sites.map((s) => visitorLead(c.env, s.key, visitor ?? ""));
  const views = await Promise.all(stubs.map((stub) => read(c.env, stub)));
  const leads = views
    .flatMap((view) => (view ? [{ ...view.lead, reasons: view.reasons }] : []))
    .filter((lead) => (stage === undefined || lead.stage === stage) && (min_score === undefined || lead.score >= min_score));
  return c.json({ leads, next_cursor: null });
});

/** The latest instant a JavaScript Date can hold. */
const MAX_TIME = 8.64e15;

const Time = z
  .union([z.coerce.number().int().nonnegative().max(MAX_TIME), z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((t) => (typeof t === "number" ? t : Date.parse(t)))
  .refine((t) => Number.isFinite(t) && t <= MAX_TIME, "not a time a date can hold");

const StatsQuery = z
  .strictObject({ site: z.string().max(LIMITS.idLength).optional(), from: Time.optional(), to: Time.optional() })
  .transform(({ site, from, to }) => {
    const end = to ?? Date.now();
    return { site, to: end, from: from ?? end - 30 * 86_400_000 };
  })
  .refine((range) => range.from < range.to, { message: "from must be before to", path: ["from"] });

const STATS_QUERY_MESSAGE = "stats take site=, from= and to= (ISO dates or ms), from before to";

/**
 * Funnel counts and conversion rates, and what sales said about leads with feedback in the range
 * (calibration.ts defines each number); `from`/`to` are ISO dates or ms, default the last 30 days.
 */
admin.get("/v1/stats", query(StatsQuery, STATS_QUERY_MESSAGE), async (c) => {
  const { site, from, to } = c.req.valid("query");
  const db = c.env.LEAD_INDEX;
  const [stats, facts, open, channels] = await Promise.all([
    funnel(db, site, from, to),
    feedbackFacts(db, site, from, to),
    openOverSla(db, site, from, to, slaCutoffs(loadConfig(c.env), Date.now())),
    byChannel(db, site, from, to),
  ]);
  return c.json({
    site: site ?? null,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    ...stats,
    ...feedbackSummary(facts, { from, to }, open),
    by_channel: channels,
  });
});

/** Which rules predict leads that sales accepts: each rule's acceptance against the baseline (lift). */
admin.get("/v1/stats/rules", query(StatsQuery, STATS_QUERY_MESSAGE), async (c) => {
  const { site, from, to } = c.req.valid("query");
  const facts = await feedbackFacts(c.env.LEAD_INDEX, site, from, to);
  return c.json({ site: site ?? null, from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...calibrate(facts, { from, to }) });
});

const DeliveryQuery = z.strictObject({ status: z.enum(DELIVERY_STATUSES).optional(), limit: Limit, cursor: Cursor.optional() });

admin.get("/v1/deliveries", query(DeliveryQuery, `deliveries take status= (one of ${DELIVERY_STATUSES.join(", ")}), limit= and cursor=`), async (c) => {
  const { status, limit, cursor } = c.req.valid("query");
  return c.json(await deliveryLog(c.env.LEAD_INDEX, { status, limit, cursor }));
});

/** A lead's delivery is sent again by its lead, an account's (account.hot) by its account. */
admin.post("/v1/deliveries/:id/redeliver", async (c) => {
  const id = c.req.param("id");
  const owner = await deliveryOwner(c.env.LEAD_INDEX, id);
  if (owner && "account" in owner) {
    const { site, domain } = owner.account;
    if (!(await accountStub(c.env, site, domain).redeliver(id))) throw new ApiError("not_found", `no delivery has the id "${id}"`);
    return c.json({ redelivered: id, account: owner.account }, 202);
  }
  const stub = owner ? leadById(c.env, owner.lead) : null;
  if (!stub || !(await stub.redeliver(id))) throw new ApiError("not_found", `no delivery has the id "${id}"`);
  return c.json({ redelivered: id, lead: owner?.lead }, 202);
});

const IdentifyBody = z.strictObject({
  site: z.string().min(1).max(LIMITS.idLength),
  visitor: z.string().min(1).max(LIMITS.idLength).optional(),
  email: Email,
  traits: Traits.optional(),
});

admin.post("/v1/identify", jsonBody(IdentifyBody, "the body does not match {site, visitor?, email, traits?}"), async (c) => {
  const { site: key, visitor, email, traits } = c.req.valid("json");
  const site = loadConfig(c.env).sites.find((s) => s.key === key);
  if (!site) throw new ApiError("unknown_site", `no site has the key "${key}"`);

  const event = { id: `srv_${crypto.randomUUID()}`, type: "identify" as const, ts: Date.now(), props: { email, traits } };
  const collectorUrl = collectorBase(c.req.url, c.env.LEADLIGHT_BASE_PATH);
  let id: string;
  if (visitor) {
    // The site's own server is trusted: its identify counts as proven.
    const proven = [normalizeEmail(email)];
    id = (await visitorLead(c.env, site.key, visitor).ingest({ site: site.key, visitor, events: [event], bot: null, collectorUrl, proven })).lead;
  } else {
    id = await emailLead(c.env, site.key, email).absorb({
      site: site.key,
      email,
      visitor: null,
      verified: true,
      traits: traits ?? {},
      events: [fromWire(event, null, Date.now(), null)],
      collectorUrl,
    });
  }
  const view = await read(c.env, leadById(c.env, id));
  return c.json({ lead: view?.lead ?? { id } });
});

const PreviewBody = z.strictObject({
  config: z.custom<unknown>((value) => value !== undefined, "config is required: a complete candidate leadlight.config.json"),
  site: z.string().min(1).max(LIMITS.idLength).optional(),
  /** The most recently seen leads replayed: 1,000 by default; 5,000 keeps one request within a Worker's subrequests. */
  limit: z.number().int().min(1).max(5000).default(1000),
});

admin.use("/v1/preview", requireAdmin);

/**
 * What-if: a complete candidate config replayed on the most recently seen known leads, under it
 * and under the rules in force. Nothing is written, no stage moves, no alert leaves.
 */
admin.post(
  "/v1/preview",
  jsonBody(PreviewBody, 'the body must be {"config": {...}, "site"?: "pk_...", "limit"?: 1 to 5000}'),
  async (c) => {
    const { config, site, limit } = c.req.valid("json");
    return c.json(await replay(c.env, candidateConfig(config), { site, limit }));
  },
);

/** The candidate, validated like leadlight.config.json, or 400 `invalid_config` with each problem's JSON path. */
function candidateConfig(input: unknown): Config {
  try {
    return parseConfig(input);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const [first, ...more] = error.problems;
    const where = first ? `: ${first.path}: ${first.message}${more.length ? ` (and ${more.length} more)` : ""}` : "";
    throw new ApiError("invalid_config", `the candidate config is invalid${where}`, { problems: error.problems });
  }
}

admin.use("/v1/rescore", requireAdmin);

/**
 * The rescoring sweep that follows a change of the scoring rules: which rules, how far, what it
 * did. Leads listed from the index carry the new scores once it is `done`.
 */
admin.get("/v1/rescore", async (c) => c.json(await sweeper(c.env).status()));
