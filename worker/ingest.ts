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
import { cors } from "hono/cors";
import { LIMITS, parseBatch } from "../shared/wire";
import { requestBotReason } from "./bot";
import type { Env } from "./env";
import { ApiError } from "./errors";
import { visitorLead } from "./identity";
import { loadConfig } from "./settings";

export const ingest = new Hono<{ Bindings: Env }>();

/** The Content-Encodings a body may come in, by the name DecompressionStream knows them. */
const ENCODINGS = new Map<string, CompressionFormat | "identity">([
  ["identity", "identity"],
  ["gzip", "gzip"],
  ["x-gzip", "gzip"],
  ["deflate", "deflate"],
]);

/** Compressed input goes in slices this big: deflate inflates 1 KiB to about 1 MB at most. */
const SLICE = 1024;

const tooLarge = (decompressed = false) =>
  new ApiError(
    "payload_too_large",
    `a request body may be at most ${LIMITS.bodyBytes} bytes${decompressed ? ", also once decompressed" : ""}; send smaller batches`,
  );

/**
 * The body as text: decompressed when it says so, and refused rather than altered when it is not
 * UTF-8 (a decoder that replaces bad bytes would store what the client never sent).
 */
async function readBody(request: Request): Promise<string> {
  const named = (request.headers.get("content-encoding") ?? "identity").split(",").map((e) => e.trim().toLowerCase());
  const formats = named.filter((e) => e !== "" && ENCODINGS.get(e) !== "identity");
  const format = formats.length === 1 ? ENCODINGS.get(formats[0] as string) : formats.length === 0 ? "identity" : undefined;
  if (format === undefined) {
    throw new ApiError(
      "unsupported_media_type",
      `Content-Encoding "${named.join(", ")}" is not supported; send the body as is, or with Content-Encoding gzip or deflate`,
    );
  }
  const sent = new Uint8Array(await request.arrayBuffer());
  const bytes = format === "identity" ? sent : await inflate(sent, format);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError("invalid_payload", "the body is not valid UTF-8", { issues: [] });
  }
}

/**
 * Decompresses `data`, refusing output over the body limit. A few KB can inflate to gigabytes
 * (a zip bomb), and workerd's DecompressionStream inflates each write in full without waiting
 * for a reader. So input goes in slices, and one read at a time takes all the output there is
 * into a buffer one byte over the limit: once that byte is filled the rest is never inflated.
 */
async function inflate(data: Uint8Array<ArrayBuffer>, format: CompressionFormat): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new DecompressionStream(format);
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader({ mode: "byob" });
  let size = 0;
  const feeding = (async () => {
    for (let at = 0; at < data.length && size <= LIMITS.bodyBytes; at += SLICE) await writer.write(data.subarray(at, at + SLICE));
    if (size <= LIMITS.bodyBytes) await writer.close();
  })();
  // A corrupt body fails both ends of the stream: the reader below reports it.
  feeding.catch(() => undefined);
  // Each read hands the buffer over and gives it back in `value`.
  let buffer = new ArrayBuffer(LIMITS.bodyBytes + 1);
  try {
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buffer, size));
      if (value) {
        buffer = value.buffer;
        size += value.byteLength;
      }
      if (done || size > LIMITS.bodyBytes) break;
    }
  } catch {
    throw new ApiError("invalid_payload", `the body is not valid ${format} data, as its Content-Encoding says`, { issues: [] });
  }
  if (size > LIMITS.bodyBytes) {
    await Promise.all([reader.cancel().catch(() => undefined), writer.abort().catch(() => undefined)]);
    throw tooLarge(true);
  }
  return new Uint8Array(buffer, 0, size);
}

ingest.use(
  "/v1/events",
  cors({
    // The site key is in the body, which a preflight does not carry, so CORS cannot judge the
    // origin: the POST does (403 origin_not_allowed). Every answer names the origin so the
    // snippet can read even a refusal, and drop the batch instead of retrying it forever.
    origin: (origin) => origin,
    allowMethods: ["POST"],
    allowHeaders: ["Content-Type", "Content-Encoding"],
    exposeHeaders: ["Retry-After"],
    maxAge: 86_400,
  }),
);

ingest.post(
  "/v1/events",
  bodyLimit({
    maxSize: LIMITS.bodyBytes,
    onError: () => tooLarge().toResponse(),
  }),
  async (c) => {
    const text = await readBody(c.req.raw);
    let body: unknown;
    try {
      // text/plain (sendBeacon, no preflight) and application/json carry the same JSON.
      body = JSON.parse(text);
    } catch {
      throw new ApiError("invalid_payload", "the body is not valid JSON", { issues: [] });
    }
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

    const limiter = c.env.LEADLIGHT_RATE_LIMIT === "off" ? undefined : c.env.INGEST_LIMIT;
    if (limiter && !(await limiter.limit({ key: `${site.key}:${parsed.batch.visitor}` })).success) {
      throw new ApiError("rate_limited", "too many requests for this visitor; retry later", {}, { "retry-after": "10" });
    }

    let result = { accepted: 0, duplicates: 0, lead: null as string | null };
    if (parsed.events.length > 0) {
      const collector = new URL(c.req.url).origin;
      result = await visitorLead(c.env, site.key, parsed.batch.visitor).ingest({
        site: site.key,
        visitor: parsed.batch.visitor,
        events: parsed.events,
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
