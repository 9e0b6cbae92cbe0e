import { describe, expect, it } from "vitest";
import { LIMITS } from "../../shared/wire";
import { ORIGIN, SITE, admin, identify, pageView, post, send, track, uid } from "./helpers";

describe("POST /v1/events", () => {
  it("stores a text/plain batch and answers 202 with the counts", async () => {
    const visitor = uid("v");
    const response = await send(visitor, [pageView("/"), pageView("/pricing")]);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 2, duplicates: 0 });
    const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
    expect(body.leads).toHaveLength(1);
    expect(body.leads[0]).toMatchObject({ stage: "anonymous", events_total: 2 });
  });

  it("accepts application/json the same way", async () => {
    const response = await post({ site: SITE, visitor: uid("v"), events: [pageView("/")] }, { "content-type": "application/json" });
    expect(response.status).toBe(202);
  });

  it("counts an event id seen before as a duplicate and never stores it twice", async () => {
    const visitor = uid("v");
    const event = pageView("/pricing");
    await send(visitor, [event]);
    const again = await send(visitor, [event, pageView("/")]);
    expect(await again.json()).toMatchObject({ accepted: 1, duplicates: 1 });
    const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
    expect(body.leads[0].events_total).toBe(2);
    expect(body.leads[0].reasons).toContainEqual({ rule: "pricing-visit", points: 5, count: 1 });
  });

  it("refuses a body that is not JSON with invalid_payload", async () => {
    const response = await post("{not json");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_payload" } });
  });

  it("refuses a broken envelope with the issues and their paths", async () => {
    const response = await post({ site: SITE, events: [] });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; issues: { path: unknown[] }[] } };
    expect(error.code).toBe("invalid_payload");
    expect(error.issues.map((i) => i.path[0])).toEqual(expect.arrayContaining(["visitor", "events"]));
  });

  it("keeps the valid events of a batch that also holds invalid ones", async () => {
    const visitor = uid("v");
    const response = await send(visitor, [pageView("/"), { id: "bad", type: "page_view" }, { type: "nonsense" }, pageView("/a")]);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, any> };
    expect(error).toMatchObject({ code: "invalid_payload", accepted: 2, duplicates: 0 });
    expect(error.issues.map((i: { path: unknown[] }) => i.path.slice(0, 2))).toEqual(
      expect.arrayContaining([["events", 1], ["events", 2]]),
    );
    const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
    expect(body.leads[0].events_total).toBe(2);
  });

  it("answers 401 unknown_site for a key no site has", async () => {
    const response = await post({ site: "pk_nope", visitor: "v", events: [pageView("/")] });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unknown_site" } });
  });

  it("answers 403 origin_not_allowed when the browser's origin is not the site's", async () => {
    const response = await send(uid("v"), [pageView("/")], { origin: "https://evil.example" });
    expect(response.status).toBe(403);
    // Readable by the page, so the snippet drops the batch rather than retrying it.
    expect(response.headers.get("access-control-allow-origin")).toBe("https://evil.example");
    expect(await response.json()).toMatchObject({ error: { code: "origin_not_allowed" } });
  });

  it("answers an allowed origin with CORS headers, on the preflight and on the POST", async () => {
    const { SELF } = await import("cloudflare:test");
    const preflight = await SELF.fetch("http://collector.test/v1/events", {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries([...preflight.headers].filter(([name]) => name.startsWith("access-control-") || name === "vary"))).toEqual({
      "access-control-allow-origin": ORIGIN,
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "Content-Type,Content-Encoding",
      "access-control-expose-headers": "Retry-After",
      "access-control-max-age": "86400",
      vary: "Origin, Access-Control-Request-Headers",
    });
    const response = await send(uid("v"), [pageView("/")], { origin: ORIGIN });
    expect(response.status).toBe(202);
    expect(response.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(response.headers.get("access-control-expose-headers")).toBe("Retry-After");
    expect(response.headers.get("vary")).toBe("Origin");
    // A server-side sender has no origin: nothing to allow.
    expect((await send(uid("v"), [pageView("/")])).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers 413 payload_too_large for a body over 64 KiB", async () => {
    const events = Array.from({ length: 50 }, () => pageView("/", { title: "x".repeat(500), ref: `https://r.example/${"y".repeat(1500)}` }));
    const response = await send(uid("v"), events);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "payload_too_large" } });
  });

  it("answers 413 payload_too_large for more than 100 events in one batch, and stores none of them", async () => {
    const visitor = uid("v");
    const response = await send(visitor, Array.from({ length: 101 }, () => ({ id: uid("e"), type: "track", ts: 1, name: "x" })));
    expect(response.status).toBe(413);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("payload_too_large");
    expect(error.message).toContain("at most 100 events");
    expect((await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads).toEqual([]);
  });

  it("takes exactly 100 events in one batch", async () => {
    const response = await send(uid("v"), Array.from({ length: 100 }, () => ({ id: uid("e"), type: "track", ts: 1, name: "x" })));
    expect(response.status).toBe(202);
  });

  it("flags a bot user agent from a page: its events are kept but never score", async () => {
    const visitor = uid("v");
    const response = await send(visitor, [pageView("/pricing")], {
      origin: ORIGIN,
      "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    });
    expect(response.status).toBe(202);
    const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
    expect(body.leads[0]).toMatchObject({ score: 0, events_total: 1, bot: true });
  });

  it("flags navigator.webdriver and inhumanly fast page views", async () => {
    const driven = uid("v");
    await post({ site: SITE, visitor: driven, webdriver: true, events: [pageView("/pricing")] });
    const fast = uid("v");
    const now = Date.now();
    await send(fast, Array.from({ length: 6 }, (_, i) => ({ ...pageView(`/p${i}`), ts: now + i * 50 })));
    for (const visitor of [driven, fast]) {
      const { body } = await admin(`/v1/leads/${(await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads[0].id}`);
      expect(body.events.every((e: { bot: string | null }) => e.bot !== null)).toBe(true);
      expect(body.lead.score).toBe(0);
    }
  });

  it("stores a batch whose navigator.webdriver is not a boolean (a stealth script's null), unflagged; only true flags", async () => {
    for (const webdriver of [null, "false", 0]) {
      const visitor = uid("v");
      expect((await post({ site: SITE, visitor, webdriver, events: [pageView("/pricing")] })).status).toBe(202);
      const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
      expect(body.leads[0]).toMatchObject({ events_total: 1, bot: false });
    }
  });

  it("flags a crawler's user agent even on a request without an Origin", async () => {
    const visitor = uid("v");
    const response = await send(visitor, [pageView("/pricing")], { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" });
    expect(response.status).toBe(202);
    const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
    expect(body.leads[0]).toMatchObject({ score: 0, events_total: 1, bot: true });
  });

  it("scores a server-side request whose tool name is on bot lists (curl)", async () => {
    const visitor = uid("v");
    await send(visitor, [pageView("/pricing")], { "user-agent": "curl/8.5.0" });
    const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
    expect(body.leads[0].score).toBe(6);
  });

  it("answers 429 rate_limited with Retry-After once a visitor sends more than 100 requests in 10 s", async () => {
    const visitor = uid("v");
    let served = 0;
    let limited: Response | undefined;
    // The limit counts in fixed 10 s windows: within 250 requests one window must overflow.
    for (let i = 0; i < 250 && !limited; i++) {
      const response = await send(visitor, [pageView("/")]);
      if (response.status === 429) limited = response;
      else served++;
    }
    expect(served).toBeGreaterThanOrEqual(100);
    expect(limited?.headers.get("retry-after")).toBe("10");
    expect(await limited?.json()).toMatchObject({ error: { code: "rate_limited" } });
  });
});

/** `depth` arrays, one inside the other, around a number. */
const nested = (depth: number): unknown => JSON.parse(`${"[".repeat(depth)}1${"]".repeat(depth)}`);

type Refusal = { error: { code: string; message: string; issues: { path: (string | number)[]; message: string }[]; accepted: number } };

describe("POST /v1/events: hostile shapes", () => {
  it("refuses an event whose props nest 3,000 levels with the event's path, and stores the page view beside it", async () => {
    const visitor = uid("v");
    const deep = { id: uid("dl"), type: "download", ts: 1, url: "https://example.com/r", props: { x: nested(3000) } };
    const response = await send(visitor, [pageView("/pricing"), deep]);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as Refusal;
    expect(error).toMatchObject({ code: "invalid_payload", accepted: 1 });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path.slice(0, 4)).toEqual(["events", 1, "props", "x"]);
    expect(error.issues[0]?.message).toContain("8 levels");
    const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
    expect(body.leads[0].events_total).toBe(1);
  });

  it("takes props nested 8 levels deep and refuses 9", async () => {
    // The props object is the first level: x's arrays are the other seven, or eight.
    const at = (depth: number) => ({ id: uid("tr"), type: "track", ts: 1, name: "deep", props: { x: nested(depth) } });
    expect((await send(uid("v"), [at(7)])).status).toBe(202);
    const response = await send(uid("v"), [at(8)]);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as Refusal;
    expect(error.issues[0]?.path).toEqual(["events", 0, "props", "x", 0, 0, 0, 0, 0, 0, 0]);
  });

  it("refuses an identify whose traits nest 3,000 levels, naming the trait", async () => {
    const response = await send(uid("v"), [identify(`${uid("ada")}@acme.io`, { plan: nested(3000) }), pageView("/")]);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as Refusal;
    expect(error.accepted).toBe(1);
    expect(error.issues[0]?.path.slice(0, 5)).toEqual(["events", 0, "props", "traits", "plan"]);
  });

  it("refuses a URL holding a lone surrogate with its path instead of storing it changed", async () => {
    const visitor = uid("v");
    const response = await send(visitor, [pageView("/a"), pageView("/b\ud800")]);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as Refusal;
    expect(error.accepted).toBe(1);
    expect(error.issues).toEqual([{ path: ["events", 1, "url"], message: expect.stringContaining("lone surrogate") }]);
    const lead = (await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads[0];
    const { body } = await admin(`/v1/leads/${lead.id}`);
    expect(body.events.map((e: { url: string }) => e.url)).toEqual(["https://example.com/a"]);
  });

  it("refuses lone surrogates in property keys and values, naming the path", async () => {
    const response = await send(uid("v"), [track("t", { "k\udc00": 1 }), track("t", { ok: ["fine", "bad\ud83d"] })]);
    const { error } = (await response.json()) as Refusal;
    expect(error.issues.map((i) => i.path)).toEqual([
      ["events", 0, "props", "k\udc00"],
      ["events", 1, "props", "ok", 1],
    ]);
  });

  it("keeps text whose surrogates are paired (emoji) unchanged", async () => {
    const visitor = uid("v");
    expect((await send(visitor, [pageView("/\u{1F600}", { title: "caf\u00e9 \u{1F600}" })])).status).toBe(202);
    const lead = (await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads[0];
    const { body } = await admin(`/v1/leads/${lead.id}`);
    expect(body.events[0].title).toBe("caf\u00e9 \u{1F600}");
  });

  it("refuses a lone surrogate in the envelope as a whole", async () => {
    const response = await post({ site: "pk_demo\ud800", visitor: uid("v"), events: [pageView("/")] });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as Refusal;
    expect(error.issues).toEqual([{ path: ["site"], message: expect.stringContaining("lone surrogate") }]);
  });

  it("refuses a body that is not UTF-8 rather than replacing its bytes", async () => {
    const json = new TextEncoder().encode(JSON.stringify({ site: SITE, visitor: uid("v"), events: [pageView("/x")] }));
    const broken = new Uint8Array([...json.subarray(0, 20), 0xff, ...json.subarray(20)]);
    const response = await raw(broken);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_payload", message: expect.stringContaining("UTF-8") } });
  });
});

describe("POST /v1/events: Content-Encoding", () => {
  const batch = () => JSON.stringify({ site: SITE, visitor: uid("v"), events: [pageView("/"), pageView("/pricing")] });

  it("takes a gzip body", async () => {
    const response = await raw(await compress(batch(), "gzip"), { "content-encoding": "gzip" });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 2 });
  });

  it("takes a deflate body", async () => {
    const response = await raw(await compress(batch(), "deflate"), { "content-encoding": "deflate" });
    expect(response.status).toBe(202);
  });

  it("answers 413 for a gzip body that inflates past 64 KiB (a zip bomb), not a 5xx", async () => {
    const bomb = await compress(" ".repeat(8 * 1024 * 1024), "gzip");
    expect(bomb.byteLength).toBeLessThan(LIMITS.bodyBytes);
    const response = await raw(bomb, { "content-encoding": "gzip" });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "payload_too_large", message: expect.stringContaining("decompressed") } });
  });

  it("answers 400 saying so for a body that claims gzip but is not", async () => {
    const response = await raw(new TextEncoder().encode(batch()), { "content-encoding": "gzip" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_payload", message: expect.stringContaining("gzip") } });
  });

  it("answers 415 unsupported_media_type naming the supported encodings for any other", async () => {
    for (const encoding of ["br", "gzip, gzip", "constructor"]) {
      const response = await raw(new TextEncoder().encode(batch()), { "content-encoding": encoding });
      expect(response.status).toBe(415);
      const { error } = (await response.json()) as Refusal;
      expect(error.code).toBe("unsupported_media_type");
      expect(error.message).toMatch(/gzip.*deflate/);
    }
  });

  it("reads a body marked identity as it is", async () => {
    expect((await raw(new TextEncoder().encode(batch()), { "content-encoding": "identity" })).status).toBe(202);
  });
});

async function compress(text: string, format: "gzip" | "deflate"): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function raw(body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Response> {
  const { SELF } = await import("cloudflare:test");
  return SELF.fetch("http://collector.test/v1/events", { method: "POST", headers: { "content-type": "text/plain", ...headers }, body });
}
