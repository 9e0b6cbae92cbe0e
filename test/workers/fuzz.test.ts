/**
 * Generated hostile requests against the routes, inside workerd: none may answer 5xx (the
 * snippet retries those forever, so one such event would block its batch), and every refusal
 * has the one error shape. Run counts stay moderate: each run is a request, and SELF.fetch in
 * @cloudflare/vitest-pool-workers gets slower with every request one test file has made (100
 * requests for /favicon.ico take 0.3 s at first, 3.6 s after 300 more).
 */
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, SITE, identify, leadByEmail, send, track, uid } from "./helpers";
import { batch, email, key, mostly, nestedArrays, record, text, toBodyText, value } from "./hostile";

type Outcome = { status: number; body: unknown };

async function request(path: string, init: RequestInit = {}): Promise<Outcome> {
  const response = await SELF.fetch(`http://collector.test${path}`, init);
  const raw = await response.text();
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    // Kept as text: the assertion below then shows what came back.
  }
  return { status: response.status, body };
}

/** Below 500, and a refusal in the `{"error": {"code", "message"}}` shape. */
function expectHandled({ status, body }: Outcome): void {
  expect(status, JSON.stringify(body)).toBeLessThan(500);
  if (status >= 400) {
    expect(body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  }
}

const gzip = async (text: string): Promise<ArrayBuffer> =>
  new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();

/** How a body travels: as is, gzip, a content-encoding nobody supports, or cut short. */
const framing = fc.constantFrom("plain", "json", "gzip", "brotli", "truncated");

async function sendEvents(body: unknown, how: string): Promise<Outcome> {
  const text = toBodyText(body);
  const headers: Record<string, string> = { "content-type": how === "json" ? "application/json" : "text/plain" };
  let payload: BodyInit = text;
  if (how === "gzip") {
    headers["content-encoding"] = "gzip";
    payload = await gzip(text);
  } else if (how === "brotli") {
    headers["content-encoding"] = "br";
  } else if (how === "truncated") {
    payload = text.slice(0, Math.floor(text.length / 2));
  }
  return request("/v1/events", { method: "POST", headers, body: payload });
}

const adminJson = (path: string, method: string, body: unknown) =>
  request(path, { method, headers: { ...ADMIN, "content-type": "application/json" }, body: toBodyText(body) });

/** A query value as a client might mangle it: text, numbers, dates, broken percent escapes. */
const queryValue = fc.oneof(
  text.map(encodeURIComponentLoosely),
  fc.integer().map(String),
  fc.constantFrom("", "0", "-1", "1e400", "NaN", "Infinity", "8640000000000001", "99999999999999999999", "2026-13-45", "2026-01-01T00:00:00Z"),
  fc.constantFrom("%", "%ZZ", "%E0%A4%A", "%ED%A0%80", "%00", "%C0%AF", "a%2", "%F0%9F%98"),
  fc.date({ noInvalidDate: true }).map((d) => encodeURIComponent(d.toISOString())),
);

/** encodeURIComponent throws on a lone surrogate; URLSearchParams writes U+FFFD instead. */
function encodeURIComponentLoosely(text: string): string {
  return new URLSearchParams({ v: text }).toString().slice(2);
}

const query = (names: string[]) =>
  fc
    .array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, text.map(encodeURIComponentLoosely)), queryValue), {
      maxLength: 5,
    })
    .map((pairs) => pairs.map(([name, v]) => `${name}=${v}`).join("&"));

// Each property sends up to 150 requests: more than the default five seconds on a busy machine.
describe("hostile requests never answer 5xx", { timeout: 120_000 }, () => {
  // An SQL lead, so that feedback can move it (accepted, won, lost; rejected and recycled).
  let lead = "";
  beforeAll(async () => {
    const email = `${uid("fuzz")}@acme.io`;
    await send(uid("v"), [identify(email), track("demo_request")]);
    lead = (await leadByEmail(email)).id;
  });

  it("POST /v1/events", async () => {
    await fc.assert(
      fc.asyncProperty(batch(SITE), framing, async (body, how) => expectHandled(await sendEvents(body, how))),
      { numRuns: 150 },
    );
  });

  it("POST /v1/identify", async () => {
    const identify = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record(
          {
            site: mostly(fc.constant(SITE)),
            visitor: mostly(fc.uuid()),
            email,
            traits: record,
          },
          { requiredKeys: ["site", "email"] },
        ),
      },
      value,
    );
    await fc.assert(
      fc.asyncProperty(identify, async (body) => expectHandled(await adminJson("/v1/identify", "POST", body))),
      { numRuns: 80 },
    );
  });

  it("POST /v1/identify with traits nested 3,000 levels answers 400 with the path", async () => {
    const outcome = await adminJson("/v1/identify", "POST", { site: SITE, email: `${uid("deep")}@acme.io`, traits: { plan: nestedArrays(3000) } });
    expect(outcome).toMatchObject({ status: 400, body: { error: { code: "invalid_payload" } } });
    const { issues } = (outcome.body as { error: { issues: { path: unknown[] }[] } }).error;
    expect(issues[0]?.path.slice(0, 2)).toEqual(["traits", "plan"]);
  });

  it("POST /v1/leads/:id/feedback", async () => {
    const id = fc.oneof(fc.constant(lead), fc.stringMatching(/^[0-9a-f]{64}$/), text.map(encodeURIComponentLoosely));
    const outcome = mostly(fc.constantFrom("accepted", "rejected", "won", "lost"));
    const feedback = fc.oneof(
      { weight: 4, arbitrary: fc.record({ outcome, reason: mostly(text) }, { requiredKeys: ["outcome"] }) },
      fc.record({ outcome, amount: mostly(fc.double()) }),
      fc.dictionary(key, value, { maxKeys: 3 }),
      value,
    );
    await fc.assert(
      fc.asyncProperty(id, feedback, async (target, body) => expectHandled(await adminJson(`/v1/leads/${target || "x"}/feedback`, "POST", body))),
      { numRuns: 60 },
    );
  });

  it("GET /v1/leads?...", async () => {
    const names = ["site", "stage", "min_score", "email", "visitor", "limit", "cursor"];
    await fc.assert(
      fc.asyncProperty(query(names), async (q) => expectHandled(await request(`/v1/leads?${q}`, { headers: ADMIN }))),
      { numRuns: 60 },
    );
  });

  it("GET /v1/stats?...", async () => {
    await fc.assert(
      fc.asyncProperty(query(["site", "from", "to"]), async (q) => expectHandled(await request(`/v1/stats?${q}`, { headers: ADMIN }))),
      { numRuns: 60 },
    );
  });
});
