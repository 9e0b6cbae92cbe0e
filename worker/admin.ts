/**
 * The admin API (Authorization: Bearer ADMIN_TOKEN): read one lead, look leads up by email or
 * by visitor, and identify a visitor from the site's own server.
 *
 * @example
 * curl -H "Authorization: Bearer $ADMIN_TOKEN" 'http://127.0.0.1:8787/v1/leads?email=ada@acme.io'
 */
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { timingSafeEqual } from "hono/utils/buffer";
import { z } from "zod";
import { Email, LIMITS, Traits, normalizeEmail } from "../shared/wire";
import type { Env } from "./env";
import { ApiError } from "./errors";
import { emailLead, leadById, visitorLead } from "./identity";
import { FEEDBACK_OUTCOMES, type LeadView } from "./lead";
import { fromWire } from "./lead-store";
import { loadConfig } from "./settings";

export const admin = new Hono<{ Bindings: Env }>();

const unauthorized = (message: string) => () => new ApiError("unauthorized", message).toResponse();

const requireAdmin = bearerAuth({
  verifyToken: async (token, c) => {
    const expected = (c.env as Env).ADMIN_TOKEN;
    return typeof expected === "string" && expected.length > 0 && (await timingSafeEqual(token, expected));
  },
  noAuthenticationHeader: { message: unauthorized("send Authorization: Bearer <ADMIN_TOKEN>") },
  invalidAuthenticationHeader: { message: unauthorized("the Authorization header must be: Bearer <ADMIN_TOKEN>") },
  invalidToken: { message: unauthorized("the admin token is wrong, or the ADMIN_TOKEN secret is not set") },
});

for (const path of ["/v1/leads", "/v1/leads/*", "/v1/identify"]) admin.use(path, requireAdmin);

type Stub = ReturnType<typeof visitorLead>;

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new ApiError("invalid_payload", "the body is not valid JSON", { issues: [] });
  }
}

const issuesOf = (error: z.ZodError) => error.issues.map((i) => ({ path: i.path.map(String), message: i.message }));

/** Reads a lead, following a visitor that handed over to a known lead. */
async function read(env: Env, stub: Stub | null): Promise<Exclude<LeadView, { forward_to: string }> | null> {
  for (let hops = 0; stub && hops < 3; hops++) {
    const view = (await stub.describe()) as LeadView;
    if (!view) return null;
    if (!("forward_to" in view)) return view;
    stub = view.forward_to ? leadById(env, view.forward_to) : null;
  }
  return null;
}

admin.get("/v1/leads/:id", async (c) => {
  const id = c.req.param("id") ?? "";
  const view = await read(c.env, leadById(c.env, id));
  if (!view) throw new ApiError("not_found", `no lead has the id "${id}"`);
  return c.json(view);
});

/** The lead behind :id, following a hand-over, or 404. */
async function resolve(env: Env, id: string): Promise<{ id: string; stub: Stub }> {
  const view = await read(env, leadById(env, id));
  const stub = view ? leadById(env, view.lead.id) : null;
  if (!view || !stub) throw new ApiError("not_found", `no lead has the id "${id}"`);
  return { id: view.lead.id, stub };
}

const Feedback = z.strictObject({ outcome: z.enum(FEEDBACK_OUTCOMES), reason: z.string().max(LIMITS.textLength).optional() });

admin.post("/v1/leads/:id/feedback", async (c) => {
  const parsed = Feedback.safeParse(await jsonBody(c.req.raw));
  if (!parsed.success) {
    throw new ApiError("invalid_payload", 'the body must be {"outcome": "accepted"|"rejected"|"won"|"lost", "reason"?}', {
      issues: issuesOf(parsed.error),
    });
  }
  const { id, stub } = await resolve(c.env, c.req.param("id") ?? "");
  const result = await stub.feedback(parsed.data.outcome, parsed.data.reason ?? null);
  if (!result.ok) throw new ApiError("invalid_transition", result.message);
  const view = await read(c.env, stub);
  return c.json({ lead: view?.lead ?? { id }, from: result.from, to: result.to });
});

admin.get("/v1/leads/:id/export", async (c) => {
  const { stub } = await resolve(c.env, c.req.param("id") ?? "");
  return c.json(await stub.exportAll());
});

admin.delete("/v1/leads/:id", async (c) => {
  const { id, stub } = await resolve(c.env, c.req.param("id") ?? "");
  const erased = await stub.erase();
  // The anonymous ids that handed over to this lead forward to it: erase them as well.
  await Promise.all((erased?.visitors ?? []).map((visitor) => visitorLead(c.env, erased?.site ?? "", visitor).erase()));
  return c.json({ deleted: id, visitors: erased?.visitors.length ?? 0 });
});

const LeadQuery = z.strictObject({
  site: z.string().max(LIMITS.idLength).optional(),
  email: z.string().optional(),
  visitor: z.string().max(LIMITS.idLength).optional(),
});

admin.get("/v1/leads", async (c) => {
  const query = LeadQuery.safeParse(c.req.query());
  if (!query.success) {
    throw new ApiError("invalid_request", "unknown or malformed query parameters", { issues: query.error.issues });
  }
  const { site, email, visitor } = query.data;
  const sites = loadConfig(c.env).sites.filter((s) => site === undefined || s.key === site);
  let stubs: Stub[];
  if (email !== undefined) {
    stubs = sites.map((s) => emailLead(c.env, s.key, normalizeEmail(email)));
  } else if (site !== undefined && visitor !== undefined) {
    stubs = sites.map((s) => visitorLead(c.env, s.key, visitor));
  } else {
    throw new ApiError("invalid_request", "look a lead up by email=, or by site= and visitor=");
  }
  const views = await Promise.all(stubs.map((stub) => read(c.env, stub)));
  const leads = views.flatMap((view) => (view ? [{ ...view.lead, reasons: view.reasons }] : []));
  return c.json({ leads, next_cursor: null });
});

const IdentifyBody = z.strictObject({
  site: z.string().min(1),
  visitor: z.string().min(1).max(LIMITS.idLength).optional(),
  email: Email,
  traits: Traits.optional(),
});

admin.post("/v1/identify", async (c) => {
  const parsed = IdentifyBody.safeParse(await jsonBody(c.req.raw));
  if (!parsed.success) {
    throw new ApiError("invalid_payload", "the body does not match {site, visitor?, email, traits?}", {
      issues: issuesOf(parsed.error),
    });
  }
  const { site: key, visitor, email, traits } = parsed.data;
  const site = loadConfig(c.env).sites.find((s) => s.key === key);
  if (!site) throw new ApiError("unknown_site", `no site has the key "${key}"`);

  const event = { id: `srv_${crypto.randomUUID()}`, type: "identify" as const, ts: Date.now(), props: { email, traits } };
  const collectorUrl = new URL(c.req.url).origin;
  let id: string;
  if (visitor) {
    id = (await visitorLead(c.env, site.key, visitor).ingest({ site: site.key, visitor, events: [event], bot: null, collectorUrl })).lead;
  } else {
    id = await emailLead(c.env, site.key, email).absorb({
      site: site.key,
      email,
      visitor: null,
      traits: traits ?? {},
      events: [fromWire(event, null, Date.now(), null)],
      collectorUrl,
    });
  }
  const view = await read(c.env, leadById(c.env, id));
  return c.json({ lead: view?.lead ?? { id } });
});
