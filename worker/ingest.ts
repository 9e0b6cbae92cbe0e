/**
 * POST /v1/events: validate, check the site key and origin, flag bots, and hand the batch to
 * the visitor's Lead object. 202 means the object has stored it.
 *
 * @example
 * curl -X POST http://127.0.0.1:8787/v1/events -H 'content-type: application/json' \
 *   -d '{"site":"pk_demo","visitor":"v1","events":[{"id":"e1","type":"page_view","ts":1763900000000,"url":"https://example.com/pricing"}]}'
 * // 202 {"accepted":1,"duplicates":0,"lead":"…"}
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { LIMITS, parseBatch } from "../shared/wire";
import { requestBotReason } from "./bot";
import { type Env, secret } from "./env";
import { ApiError } from "./errors";
import { collectorBase } from "./http/base-path";
import { readJson } from "./http/validate";
import { visitorLead } from "./identity";
import { proveIdentifies } from "./identity-proof";
import { log } from "./log";
import { loadConfig } from "./settings";

export const ingest = new Hono<{ Bindings: Env }>();

/** A client on this machine (wrangler dev, the bench): never a visitor on the internet. */
const isLoopbackAddress = (address: string): boolean => address === "::1" || /^(::ffff:)?127\./.test(address);

const tooLarge = () =>
  new ApiError("payload_too_large", `a request body may be at most ${LIMITS.bodyBytes} bytes; send smaller batches`);

/** What a preflight of /v1/events is told besides the origin: a POST with a JSON or compressed body. */
const PREFLIGHT = {
  "Access-Control-Expose-Headers": "Retry-After",
  "Access-Control-Max-Age": "86400",
  "Access-Control-Allow-Methods": "POST",
  "Access-Control-Allow-Headers": "Content-Type,Content-Encoding",
  Vary: "Origin, Access-Control-Request-Headers",
};

// CORS. The site key is in the body, which a preflight does not carry, so CORS cannot judge the
// origin: the POST does (403 origin_not_allowed). Every answer names the origin so the snippet
// can read even a refusal, and drop the batch instead of retrying it forever. Written out, not
// hono/cors: that one builds a throwaway Response on every request to hold its headers.
ingest.use("/v1/events", async (c, next) => {
  const origin = c.req.header("origin");
  if (c.req.method === "OPTIONS") return new Response(null, { status: 204, headers: { ...(origin && { "Access-Control-Allow-Origin": origin }), ...PREFLIGHT } });
  await next();
  // The final answer, the handler's or onError's: always a Response made here, whose headers can
  // change (one passed through from fetch() could not).
  const headers = c.res.headers;
  if (origin) headers.set("Access-Control-Allow-Origin", origin);
  headers.set("Access-Control-Expose-Headers", "Retry-After");
  headers.append("Vary", "Origin");
});

ingest.post(
  "/v1/events",
  bodyLimit({
    maxSize: LIMITS.bodyBytes,
    onError: () => tooLarge().toResponse(),
  }),
  async (c) => {
    // text/plain (sendBeacon, no preflight) and application/json carry the same JSON.
    const body = await readJson(c.req.raw, LIMITS.bodyBytes);
    const parsed = parseBatch(body);
    if (!parsed.ok && parsed.refusal === "too_large") {
      throw new ApiError("payload_too_large", `a batch may carry at most ${LIMITS.eventsPerBatch} events; send smaller batches`, {
        issues: parsed.issues,
      });
    }
    if (!parsed.ok) {
      throw new ApiError("invalid_payload", "the batch does not match the ingest schema", { issues: parsed.issues });
    }

    const config = loadConfig(c.env);
    const site = config.sites.find((s) => s.key === parsed.batch.site);
    if (!site) throw new ApiError("unknown_site", `no site has the key "${parsed.batch.site}"`);
    const origin = c.req.header("origin");
    if (origin !== undefined && !site.origins.includes(origin)) {
      throw new ApiError("origin_not_allowed", `origin ${origin} is not among the origins of site "${site.key}"`);
    }

    const limiting = c.env.LEADLIGHT_RATE_LIMIT !== "off";
    // Per client address, whatever visitor ids it sends: one script minting ids is one address.
    const address = c.req.header("cf-connecting-ip");
    if (limiting && address && !isLoopbackAddress(address) && !(await c.env.INGEST_IP_LIMIT.limit({ key: address })).success) {
      log("warn", "ingest.rate_limited", { site: site.key, reason: "more than 300 requests from one address in 10 s", events: parsed.events.length });
      throw new ApiError("rate_limited", "too many requests from this address; retry later", {}, { "retry-after": "10" });
    }
    const limiter = limiting ? c.env.INGEST_LIMIT : undefined;
    if (limiter && !(await limiter.limit({ key: `${site.key}:${parsed.batch.visitor}` })).success) {
      // The visitor id is left out: an anonymous id still follows one person across pages.
      log("warn", "ingest.rate_limited", { site: site.key, reason: "more than 100 requests for one visitor in 10 s", events: parsed.events.length });
      throw new ApiError("rate_limited", "too many requests for this visitor; retry later", {}, { "retry-after": "10" });
    }

    let result = { accepted: 0, duplicates: 0, lead: null as string | null };
    if (parsed.events.length > 0) {
      const collector = collectorBase(c.req.url, c.env.LEADLIGHT_BASE_PATH);
      const { events, proven } = await proveIdentifies(parsed.events, site.identity_secret_env ? secret(c.env, site.identity_secret_env) : undefined);
      result = await visitorLead(c.env, site.key, parsed.batch.visitor).ingest({
        site: site.key,
        visitor: parsed.batch.visitor,
        events,
        proven,
        bot: requestBotReason({
          userAgent: c.req.header("user-agent"),
          fromPage: origin !== undefined,
          webdriver: parsed.batch.webdriver,
        }),
        collectorUrl: collector,
      });
    }

    if (parsed.issues.length > 0) {
      // The valid events beside the broken ones are stored: say so, so nothing is resent in vain.
      const invalid = new Set(parsed.issues.map((i) => i.path[1])).size;
      throw new ApiError(
        "invalid_payload",
        `${invalid} event(s) are invalid and were refused; the ${parsed.events.length} valid one(s) were stored`,
        { issues: parsed.issues, ...result },
      );
    }
    return c.json(result, 202);
  },
);
