import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { globToRegExp, Scoring } from "../config";
import {
  addEvent,
  compileScoring,
  emptyEngagement,
  rescore,
  scoreAt,
  urlPathname,
  type EngagementState,
  type ScoredEvent,
  type ScoreResult,
  type Traits,
} from "./engine";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5); // midnight UTC: cap periods of a day start here
const STAGES = { mql: { min_score: 40 }, sql: { min_score: 80 } };
// Long enough that nothing visibly decays in a test that is not about decay.
const NO_DECAY = 1e9;

const compile = (engagement: unknown[], extra: Record<string, unknown> = {}) =>
  compileScoring(Scoring.parse({ half_life_days: NO_DECAY, engagement, stages: STAGES, ...extra }));

let seq = 0;
const at = (offset: number): number => T0 + offset;
const view = (path: string, offset = 0, extra: Partial<ScoredEvent> = {}): ScoredEvent => ({
  id: `e${++seq}`,
  type: "page_view",
  url: `https://acme.com${path}`,
  at: at(offset),
  ...extra,
});
const event = (type: ScoredEvent["type"], offset = 0, extra: Partial<ScoredEvent> = {}): ScoredEvent => ({
  id: `e${++seq}`,
  type,
  at: at(offset),
  ...extra,
});

const lastAt = (events: ScoredEvent[]): number => Math.max(T0, ...events.map((e) => e.at));
const score = (compiled: ReturnType<typeof compile>, events: ScoredEvent[], now = lastAt(events), traits: Traits = {}) =>
  rescore(compiled, events, traits, now);
const reason = (result: ScoreResult, rule: string) => result.reasons.find((r) => r.rule === rule);

describe("engagement rules", () => {
  it("a page view earns the points of a rule on page views", () => {
    const compiled = compile([{ id: "page-view", on: "page_view", points: 1 }]);
    expect(score(compiled, [view("/"), view("/about", HOUR)]).engagement).toBe(2);
  });

  it("a rule on downloads ignores page views and chats", () => {
    const compiled = compile([{ id: "download", on: "download", points: 10 }]);
    expect(score(compiled, [view("/guide.pdf"), event("chat")]).engagement).toBe(0);
    expect(score(compiled, [event("download", 0, { url: "https://acme.com/guide.pdf" })]).engagement).toBe(10);
  });

  it("a path glob matches the URL's pathname, not its host or query", () => {
    const compiled = compile([{ id: "pricing", on: "page_view", path: "/pricing*", points: 5 }]);
    const hit = (url: string) => score(compiled, [event("page_view", 0, { url })]).engagement === 5;
    expect(hit("https://acme.com/pricing")).toBe(true);
    expect(hit("https://acme.com/pricing/enterprise?plan=pro#faq")).toBe(true);
    expect(hit("https://acme.com/blog?next=/pricing")).toBe(false);
    expect(hit("https://pricing.acme.com/")).toBe(false);
    expect(hit("https://acme.com/en/pricing")).toBe(false);
  });

  it("a leading * in a glob lets the path sit under a locale prefix", () => {
    const compiled = compile([{ id: "pricing", on: "page_view", path: "*/pricing*", points: 5 }]);
    expect(score(compiled, [view("/en/pricing")]).engagement).toBe(5);
    expect(score(compiled, [view("/pricing")]).engagement).toBe(5);
    expect(score(compiled, [view("/en/prices")]).engagement).toBe(0);
  });

  it("a path rule never matches an event without a valid absolute URL", () => {
    const compiled = compile([{ id: "any-path", on: "page_view", path: "*", points: 5 }]);
    const noUrl = event("page_view");
    expect(score(compiled, [noUrl, { ...noUrl, id: "x", url: "/pricing" }, { ...noUrl, id: "y", url: "not a url" }]).engagement).toBe(0);
  });

  it("a rule without a path matches events without a URL", () => {
    const compiled = compile([{ id: "chat", on: "chat", points: 10 }]);
    expect(score(compiled, [event("chat")]).engagement).toBe(10);
  });

  it("name matches track events by their exact name", () => {
    const compiled = compile([{ id: "demo", on: "track", name: "demo_request", points: 30 }]);
    expect(score(compiled, [event("track", 0, { name: "demo_request" })]).engagement).toBe(30);
    expect(score(compiled, [event("track", 0, { name: "demo_requested" }), event("track")]).engagement).toBe(0);
  });

  it("props must all equal the event's, value and type", () => {
    const compiled = compile([{ id: "pro-signup", on: "track", name: "signup", props: { plan: "pro", seats: 5 }, points: 20 }]);
    const signup = (props: ScoredEvent["props"]) => score(compiled, [event("track", 0, { name: "signup", props })]).engagement;
    expect(signup({ plan: "pro", seats: 5, source: "ad" })).toBe(20);
    expect(signup({ plan: "pro", seats: "5" })).toBe(0);
    expect(signup({ plan: "pro" })).toBe(0);
    expect(signup(undefined)).toBe(0);
  });

  it("a null prop in a rule matches only an event whose prop is null", () => {
    const compiled = compile([{ id: "no-ref", on: "chat", props: { ref: null }, points: 3 }]);
    expect(score(compiled, [event("chat", 0, { props: { ref: null } })]).engagement).toBe(3);
    expect(score(compiled, [event("chat", 0, { props: {} })]).engagement).toBe(0);
  });

  it("negative points lower the score, which can go below zero", () => {
    const compiled = compile([{ id: "careers", on: "page_view", path: "/careers*", points: -15 }]);
    const result = score(compiled, [view("/careers"), view("/careers/engineer", HOUR)]);
    expect(result.engagement).toBe(-30);
    expect(result.score).toBe(-30);
    expect(reason(result, "careers")).toEqual({ rule: "careers", points: -30, count: 2 });
  });

  it("a rule id that names an Object.prototype property scores like any other", () => {
    const compiled = compile([{ id: "constructor", on: "page_view", points: 2, nth: 2 }]);
    expect(score(compiled, [view("/"), view("/", HOUR)]).engagement).toBe(2);
  });
});

describe("nth and within", () => {
  const revisit = compile([{ id: "pricing-revisit", on: "page_view", path: "/pricing*", nth: 2, within: "7d", points: 15 }]);

  it("second pricing visit within 7 days adds the revisit points", () => {
    const result = score(revisit, [view("/pricing"), view("/pricing", 3 * DAY)]);
    expect(reason(result, "pricing-revisit")).toEqual({ rule: "pricing-revisit", points: 15, count: 1 });
  });

  it("a single pricing visit adds no revisit points", () => {
    expect(score(revisit, [view("/pricing")]).reasons).toEqual([]);
  });

  it("a third visit inside the same window does not award the revisit again", () => {
    const result = score(revisit, [view("/pricing"), view("/pricing", DAY), view("/pricing", 2 * DAY)]);
    expect(reason(result, "pricing-revisit")?.count).toBe(1);
  });

  it("a second visit after the first slid out of the window is not a revisit", () => {
    expect(score(revisit, [view("/pricing"), view("/pricing", 8 * DAY)]).engagement).toBe(0);
  });

  it("the window is (at - within, at]: a visit exactly 7 days later does not see the first", () => {
    expect(score(revisit, [view("/pricing"), view("/pricing", 7 * DAY)]).engagement).toBe(0);
    expect(score(revisit, [view("/pricing"), view("/pricing", 7 * DAY - 1)]).engagement).toBe(15);
  });

  it("once the earlier visits slide out, a new pair within 7 days awards again", () => {
    const visits = [0, 1, 2, 20, 21].map((d) => view("/pricing", d * DAY));
    expect(reason(score(revisit, visits), "pricing-revisit")?.count).toBe(2);
  });

  it("nth without within awards on exactly the Nth matching event ever", () => {
    const compiled = compile([{ id: "third-download", on: "download", nth: 3, points: 10 }]);
    const downloads = [0, 1, 2, 3, 4].map((d) => event("download", d * 100 * DAY));
    expect(score(compiled, downloads.slice(0, 2)).engagement).toBe(0);
    expect(score(compiled, downloads.slice(0, 3)).engagement).toBe(10);
    expect(reason(score(compiled, downloads), "third-download")?.count).toBe(1);
  });
});

describe("cap", () => {
  it("a cap of 10 points a day bounds page views to 10 a day", () => {
    const compiled = compile([{ id: "page-view", on: "page_view", points: 1, cap: { points: 10, per: "1d" } }]);
    const views = Array.from({ length: 15 }, (_, i) => view(`/p${i}`, i * 60_000));
    expect(reason(score(compiled, views), "page-view")).toEqual({ rule: "page-view", points: 10, count: 10 });
  });

  it("the match that reaches the cap gets only the remainder", () => {
    const compiled = compile([{ id: "chat", on: "chat", points: 4, cap: { points: 10, per: "1d" } }]);
    const chats = [0, 1, 2, 3].map((h) => event("chat", h * HOUR));
    expect(reason(score(compiled, chats), "chat")).toEqual({ rule: "chat", points: 10, count: 3 });
  });

  it("cap periods are aligned to the epoch, so the next day starts a fresh allowance", () => {
    const compiled = compile([{ id: "page-view", on: "page_view", points: 1, cap: { points: 2, per: "1d" } }]);
    const lateEvening = [0, 1, 2].map((m) => view("/", 23 * HOUR + m * 60_000));
    const nextMorning = [0, 1, 2].map((m) => view("/", DAY + HOUR + m * 60_000));
    expect(score(compiled, lateEvening).engagement).toBe(2);
    expect(score(compiled, [...lateEvening, ...nextMorning]).engagement).toBe(4);
  });

  it("a cap bounds the magnitude of negative points", () => {
    const compiled = compile([{ id: "careers", on: "page_view", path: "/careers*", points: -15, cap: { points: 20, per: "30d" } }]);
    const visits = [0, 1, 2].map((h) => view("/careers", h * HOUR));
    expect(reason(score(compiled, visits), "careers")).toEqual({ rule: "careers", points: -20, count: 2 });
  });

  it("nth and cap together: only the Nth matches count against the cap", () => {
    const compiled = compile([{ id: "every-2nd", on: "page_view", nth: 2, within: "1h", points: 5, cap: { points: 5, per: "1d" } }]);
    const pairs = [view("/"), view("/", 60_000), view("/", 2 * HOUR), view("/", 2 * HOUR + 60_000)];
    expect(reason(score(compiled, pairs), "every-2nd")).toEqual({ rule: "every-2nd", points: 5, count: 1 });
  });
});

describe("qualifies", () => {
  it("a qualifying action is remembered whatever the score", () => {
    const compiled = compile([{ id: "demo", on: "track", name: "demo_request", points: 0, qualifies: "sql" }]);
    const result = score(compiled, [event("track", 0, { name: "demo_request" })]);
    expect(result.qualifies).toBe("sql");
    expect(result.reasons).toEqual([]);
  });

  it("the strongest qualification wins and sticks after later, weaker ones", () => {
    const compiled = compile([
      { id: "demo", on: "track", name: "demo_request", points: 30, qualifies: "sql" },
      { id: "webinar", on: "track", name: "webinar", points: 5, qualifies: "mql" },
    ]);
    expect(score(compiled, [event("track", 0, { name: "webinar" })]).qualifies).toBe("mql");
    const both = [event("track", 0, { name: "demo_request" }), event("track", DAY, { name: "webinar" })];
    expect(score(compiled, both, at(400 * DAY)).qualifies).toBe("sql");
  });

  it("a match before the Nth still qualifies, though it earns nothing yet", () => {
    const compiled = compile([{ id: "chats", on: "chat", nth: 5, points: 10, qualifies: "sql" }]);
    const result = score(compiled, [event("chat")]);
    expect(result.qualifies).toBe("sql");
    expect(result.engagement).toBe(0);
  });

  it("no lead qualifies without a qualifying rule", () => {
    const compiled = compile([{ id: "page-view", on: "page_view", points: 100 }]);
    expect(score(compiled, [view("/")]).qualifies).toBeNull();
  });
});

describe("decay", () => {
  const withHalfLife = (days?: number) =>
    compileScoring(
      Scoring.parse({
        ...(days === undefined ? {} : { half_life_days: days }),
        engagement: [{ id: "download", on: "download", points: 10 }],
        stages: STAGES,
      }),
    );

  it("after one half-life (30 days by default) an award is worth half", () => {
    const result = score(withHalfLife(), [event("download")], at(30 * DAY));
    expect(result.engagement).toBe(5);
    expect(reason(result, "download")).toEqual({ rule: "download", points: 5, count: 1 });
  });

  it("half_life_days sets how fast points cool down", () => {
    expect(score(withHalfLife(7), [event("download")], at(14 * DAY)).engagement).toBe(2.5);
  });

  it("each award decays from its own time", () => {
    const result = score(withHalfLife(), [event("download"), event("download", 30 * DAY)], at(30 * DAY));
    expect(result.engagement).toBe(15);
  });

  it("fit does not decay", () => {
    const compiled = compileScoring(
      Scoring.parse({ engagement: [], fit: [{ id: "titled", trait: "title", points: 7 }], stages: STAGES }),
    );
    expect(rescore(compiled, [], { title: "CTO" }, at(3650 * DAY)).fit).toBe(7);
  });
});

describe("bots", () => {
  it("bot events never score", () => {
    const compiled = compile([{ id: "page-view", on: "page_view", points: 1 }]);
    expect(score(compiled, [view("/", 0, { bot: true })]).engagement).toBe(0);
  });

  it("a bot's pricing visit does not make the next human visit a revisit", () => {
    const compiled = compile([{ id: "pricing-revisit", on: "page_view", path: "/pricing*", nth: 2, within: "7d", points: 15 }]);
    expect(score(compiled, [view("/pricing", 0, { bot: true }), view("/pricing", DAY)]).engagement).toBe(0);
  });

  it("bot page views do not use up the daily cap", () => {
    const compiled = compile([{ id: "page-view", on: "page_view", points: 1, cap: { points: 2, per: "1d" } }]);
    const bots = [0, 1, 2].map((m) => view("/", m * 60_000, { bot: true }));
    expect(score(compiled, [...bots, view("/", HOUR), view("/", 2 * HOUR)]).engagement).toBe(2);
  });

  it("a bot's qualifying action does not qualify the lead", () => {
    const compiled = compile([{ id: "demo", on: "track", name: "demo_request", points: 30, qualifies: "sql" }]);
    expect(score(compiled, [event("track", 0, { name: "demo_request", bot: true })]).qualifies).toBeNull();
  });
});

describe("search intent", () => {
  const intent = { awareness: 1, consideration: 5, decision: 10, transactional: 20 };
  const compiled = compile([], { intent });

  it("a search term gives its class's points, explained as intent:<class>", () => {
    const result = score(compiled, [view("/search?q=acme+vs+globex")]);
    expect(result.reasons).toEqual([{ rule: "intent:decision", points: 10, count: 1 }]);
  });

  it("the same term counts once over the lead's life, however it is spelled", () => {
    const result = score(compiled, [
      view("/search?q=acme+pricing"),
      view("/?utm_term=ACME%20%20Pricing", 5 * DAY),
      event("page_view", 6 * DAY, { props: { utm_term: " acme pricing " } }),
      view("/search?q=compare+acme", 7 * DAY),
    ]);
    expect(reason(result, "intent:decision")).toEqual({ rule: "intent:decision", points: 20, count: 2 });
  });

  it("terms of different classes are explained separately, engagement rules first", () => {
    const withRule = compile([{ id: "page-view", on: "page_view", points: 1 }], { intent });
    const result = score(withRule, [view("/?utm_term=buy+acme"), view("/search?s=how+to+export", HOUR)]);
    expect(result.reasons.map((r) => r.rule)).toEqual(["page-view", "intent:awareness", "intent:transactional"]);
    expect(result.engagement).toBe(23);
  });

  it("a class worth 0 points gives nothing and is not listed", () => {
    const awarenessFree = compile([], { intent: { ...intent, awareness: 0 } });
    expect(score(awarenessFree, [view("/search?q=how+to+export")]).reasons).toEqual([]);
  });

  it("intent_terms from the config classify the site's own words", () => {
    const extended = compile([], { intent: { ...intent, intent_terms: { decision: ["alternative"] } } });
    expect(score(extended, [view("/search?q=globex+alternative")]).engagement).toBe(10);
  });

  it("a bot's search gives no intent points", () => {
    expect(score(compiled, [view("/search?q=buy+acme", 0, { bot: true })]).engagement).toBe(0);
  });

  it("an unclassified search gives nothing", () => {
    expect(score(compiled, [view("/search?q=acme+logo")]).reasons).toEqual([]);
  });
});

describe("score result", () => {
  it("score is engagement + fit, and fit reasons follow engagement reasons", () => {
    const compiled = compileScoring(
      Scoring.parse({
        half_life_days: NO_DECAY,
        engagement: [{ id: "download", on: "download", points: 10 }],
        fit: [{ id: "business-email", trait: "email", free_email: false, points: 10 }],
        stages: STAGES,
      }),
    );
    const result = rescore(compiled, [event("download")], { email: "ada@acme.com" }, T0);
    expect(result).toEqual({
      engagement: 10,
      fit: 10,
      score: 20,
      reasons: [
        { rule: "download", points: 10, count: 1 },
        { rule: "business-email", points: 10, count: 1 },
      ],
      qualifies: null,
    });
  });

  it("rounding happens at output only: small awards still add up", () => {
    const compiled = compile([{ id: "tiny", on: "page_view", points: 0.04 }]);
    const result = score(compiled, [view("/"), view("/", 1), view("/", 2)]);
    expect(result.engagement).toBe(0.1);
    expect(reason(result, "tiny")).toEqual({ rule: "tiny", points: 0.1, count: 3 });
  });

  it("no events and no traits score zero with no reasons", () => {
    expect(rescore(compile([{ id: "page-view", on: "page_view", points: 1 }]), [], {}, T0)).toEqual({
      engagement: 0,
      fit: 0,
      score: 0,
      reasons: [],
      qualifies: null,
    });
  });

  it("the engagement state survives a JSON round trip and folding goes on from it", () => {
    const compiled = compile([{ id: "pricing-revisit", on: "page_view", path: "/pricing*", nth: 2, within: "7d", points: 15 }]);
    const stored: EngagementState = JSON.parse(JSON.stringify(addEvent(compiled, emptyEngagement(), view("/pricing"))));
    const state = addEvent(compiled, stored, view("/pricing", DAY));
    expect(scoreAt(compiled, state, {}, at(DAY)).engagement).toBe(15);
  });
});

describe("URL pathnames", () => {
  it("reads the pathname of plain page URLs", () => {
    expect(urlPathname("https://acme.com/pricing?plan=pro#faq")).toBe("/pricing");
    expect(urlPathname("http://acme.com")).toBe("/");
    expect(urlPathname("https://acme.com:8443/a/b/")).toBe("/a/b/");
  });

  it("gives what new URL gives for unusual URLs, and null for invalid ones", () => {
    expect(urlPathname("https://acme.com/a/../pricing")).toBe("/pricing");
    expect(urlPathname("https://acme.com/price list")).toBe("/price%20list");
    expect(urlPathname("https://1.2.3.999/")).toBeNull();
    expect(urlPathname("https://acme.com:99999/")).toBeNull();
    expect(urlPathname("/pricing")).toBeNull();
    expect(urlPathname("")).toBeNull();
  });

  it("agrees with new URL on any URL built from tricky pieces", () => {
    const piece = (options: string[]) => fc.array(fc.constantFrom(...options), { maxLength: 6 }).map((parts) => parts.join(""));
    const url = fc
      .tuple(
        fc.constantFrom("https://", "http://", "HTTPS://", "ftp://", "https:/", ""),
        piece(["a", "Z", "0", "9", "-", ".", "xn--", "0x", "ff", "_", "@", "%41", " ", "[", "]", "é"]),
        fc.constantFrom("", ":", ":80", ":0443", ":65535", ":65536", ":99999", ":x"),
        piece(["/", "a", ".", "..", "%2e", "%2E", "%20", " ", "\\", "_", "~", "'", "|", "^", "é", "\t", "{", "%"]),
        fc.constantFrom("", "?", "?q=1", "#", "#x", "?a#b"),
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(url, (candidate) => {
        let expected: string | null;
        try {
          expected = new URL(candidate).pathname;
        } catch {
          expected = null;
        }
        expect(urlPathname(candidate)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("a rule's glob means what globToRegExp says it means", () => {
    const glob = fc
      .tuple(fc.constantFrom("/", "*"), fc.array(fc.constantFrom("/", "a", "b", "*", "?", "."), { maxLength: 6 }))
      .map(([first, rest]) => first + rest.join(""));
    const path = fc.array(fc.constantFrom("/", "a", "b", "ab", "."), { maxLength: 6 }).map((parts) => `/${parts.join("")}`);
    fc.assert(
      fc.property(glob, path, (g, p) => {
        const url = `https://acme.com${p}`;
        const compiled = compile([{ id: "glob", on: "page_view", path: g, points: 1 }]);
        const expected = globToRegExp(g).test(urlPathname(url) ?? "");
        expect(score(compiled, [event("page_view", 0, { url })]).engagement).toBe(expected ? 1 : 0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("properties", () => {
  const rules = [
    { id: "page-view", on: "page_view", points: 1, cap: { points: 3, per: "1d" } },
    { id: "pricing-visit", on: "page_view", path: "*/pricing*", points: 5 },
    { id: "pricing-revisit", on: "page_view", path: "*/pricing*", nth: 2, within: "7d", points: 15 },
    { id: "third-download", on: "download", nth: 3, points: 7 },
    { id: "chat", on: "chat", points: 10, cap: { points: 15, per: "30d" } },
    { id: "careers", on: "page_view", path: "*/careers*", points: -15 },
    { id: "demo-request", on: "track", name: "demo_request", points: 30, qualifies: "sql" },
    { id: "pro", on: "track", props: { plan: "pro" }, points: 2.5, qualifies: "mql" },
  ];
  const fit = [
    { id: "business-email", trait: "email", free_email: false, points: 10 },
    { id: "free-email", trait: "email", free_email: true, points: -10 },
    { id: "senior-title", trait: "title", matches: "\\b(vp|director)\\b", points: 15 },
    { id: "target-size", trait: "company_size", between: [50, 5000], points: 10 },
  ];
  const intent = { awareness: 1, consideration: 5, decision: 10, transactional: 20 };
  const compiled = compileScoring(Scoring.parse({ half_life_days: 10, engagement: rules, fit, intent, stages: STAGES }));
  const positive = compileScoring(
    Scoring.parse({
      half_life_days: 10,
      engagement: rules.filter((r) => r.points > 0),
      fit: fit.filter((f) => f.points > 0),
      intent,
      stages: STAGES,
    }),
  );

  const anEvent = fc.record({
    gap: fc.integer({ min: 0, max: 3 * DAY }),
    type: fc.constantFrom("page_view", "page_view", "download", "chat", "track", "identify"),
    path: fc.constantFrom(
      "/",
      "/pricing",
      "/en/pricing/teams",
      "/careers",
      "/search?q=acme+vs+globex",
      "/?utm_term=buy+acme",
      "/?q=how+to+sso",
    ),
    name: fc.constantFrom("demo_request", "signup", undefined),
    plan: fc.constantFrom("pro", "free", undefined),
    bot: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  });
  const history = fc.array(anEvent, { maxLength: 40 }).map((drafts) => {
    let time = T0;
    return drafts.map((d, i): ScoredEvent => {
      time += d.gap;
      return {
        id: `p${i}`,
        type: d.type,
        url: `https://acme.com${d.path}`,
        at: time,
        ...(d.type === "track" && d.name !== undefined ? { name: d.name } : {}),
        ...(d.plan !== undefined ? { props: { plan: d.plan } } : {}),
        ...(d.bot ? { bot: true } : {}),
      };
    });
  });
  const traits = fc.record(
    {
      email: fc.constantFrom("ada@acme.com", "ada@gmail.com", "ada"),
      title: fc.constantFrom("VP Sales", "Engineer", ""),
      company_size: fc.constantFrom(10, 200, "51-200", "1,000+", "lots"),
    },
    { requiredKeys: [] },
  );
  const later = fc.integer({ min: 0, max: 90 * DAY });

  it("folding events in batches, with the state stored as JSON in between, equals a full rescore", () => {
    fc.assert(
      fc.property(history, fc.array(fc.nat(), { maxLength: 5 }), traits, later, (events, cuts, t, wait) => {
        const now = lastAt(events) + wait;
        let state = emptyEngagement();
        const cutAt = new Set(cuts.map((c) => c % (events.length + 1)));
        events.forEach((e, i) => {
          if (cutAt.has(i)) state = JSON.parse(JSON.stringify(state));
          state = addEvent(compiled, state, e);
        });
        expect(scoreAt(compiled, state, t, now)).toEqual(rescore(compiled, events, t, now));
      }),
      { numRuns: 300 },
    );
  });

  it("with only positive points, the score never rises while the lead is quiet", () => {
    fc.assert(
      fc.property(history, traits, later, later, (events, t, wait, more) => {
        const soon = lastAt(events) + wait;
        expect(rescore(positive, events, t, soon + more).score).toBeLessThanOrEqual(rescore(positive, events, t, soon).score);
      }),
      { numRuns: 200 },
    );
  });

  it("the reasons add up to engagement + fit, within rounding", () => {
    fc.assert(
      fc.property(history, traits, later, (events, t, wait) => {
        const result = rescore(compiled, events, t, lastAt(events) + wait);
        const sum = result.reasons.reduce((total, r) => total + r.points, 0);
        expect(Math.abs(sum - result.score)).toBeLessThanOrEqual(0.05 * (result.reasons.length + 2) + 1e-9);
        expect(result.score).toBeCloseTo(result.engagement + result.fit, 9);
      }),
      { numRuns: 200 },
    );
  });

  it("bot events change nothing", () => {
    fc.assert(
      fc.property(history, traits, later, (events, t, wait) => {
        const now = lastAt(events) + wait;
        const humans = events.filter((e) => e.bot !== true);
        expect(rescore(compiled, events, t, now)).toEqual(rescore(compiled, humans, t, now));
      }),
      { numRuns: 200 },
    );
  });
});
