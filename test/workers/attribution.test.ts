/**
 * Attribution through ingest: each lead keeps its first and last touch from the utm_* parameters,
 * ad click ids and referrers its page views carried, a merge folds both histories again in the
 * order they arrived, and the first touch's channel reaches the lead index, where GET /v1/stats
 * splits the funnel and the won revenue by it.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Stage } from "../../worker/config";
import type { Channel } from "../../worker/attribution/touch";
import { visitorObjectName } from "../../worker/identity";
import type { Lead } from "../../worker/lead/object";
import type { LeadStore } from "../../worker/lead/store";
import type { Event } from "../../shared/wire";
import { type LeadCopy, pushLead } from "../../worker/lead-index";
import { ORIGIN, SITE, admin, identify, indexRow, leadByEmail, post, send, uid } from "./helpers";

/** A page view on the test site's own origin, as the snippet sends it. */
const land = (path: string, ref?: string) => ({
  id: uid("pv"),
  type: "page_view",
  ts: Date.now(),
  url: `${ORIGIN}${path}`,
  ...(ref !== undefined && { ref }),
});

async function leadOf(email: string) {
  const listed = await leadByEmail(email);
  const { body } = await admin(`/v1/leads/${listed.id}`);
  return body.lead as { id: string; source: unknown };
}

describe("attribution through ingest", () => {
  it("keeps the first touch and replaces the last with each campaign or referral, never with a direct visit", async () => {
    const email = `${uid("attr")}@acme.io`;
    const visitor = uid("v");
    // Found through Google; reads on inside the site.
    await send(visitor, [land("/", "https://www.google.com/"), land("/pricing", `${ORIGIN}/`), identify(email)]);
    let lead = await leadOf(email);
    const google = { channel: "organic_search", source: "google", medium: "organic", campaign: null, term: null, referrer: "https://www.google.com/" };
    expect(lead.source).toEqual({ first: google, last: google });

    // Back from the newsletter, then through a bookmark.
    await send(visitor, [land("/?utm_source=newsletter&utm_medium=email&utm_campaign=Nov%20launch")]);
    await send(visitor, [land("/docs")]);
    lead = await leadOf(email);
    expect(lead.source).toEqual({
      first: google,
      last: { channel: "email", source: "newsletter", medium: "email", campaign: "Nov launch", term: null, referrer: null },
    });

    // A paid search click from Bing (msclkid) and a LinkedIn post each start a new last touch.
    await send(visitor, [land("/pricing?msclkid=abc123&utm_term=lead%20scoring", "https://www.bing.com/")]);
    lead = await leadOf(email);
    expect(lead.source).toMatchObject({ first: google, last: { channel: "paid_search", source: "bing", medium: "cpc", term: "lead scoring" } });
    await send(visitor, [land("/blog", "https://www.linkedin.com/")]);
    lead = await leadOf(email);
    expect(lead.source).toMatchObject({ first: google, last: { channel: "organic_social", referrer: "https://www.linkedin.com/" } });
  });

  it("a visit that is direct from the start is the first touch, and a duplicate batch changes nothing", async () => {
    const email = `${uid("attr")}@acme.io`;
    const visitor = uid("v");
    await send(visitor, [land("/"), identify(email)]);
    // A page view sent again (a retried batch) is not a later touch: the partner's stays the last.
    const spring = land("/?utm_source=newsletter&utm_medium=email&utm_campaign=spring");
    await send(visitor, [spring]);
    await send(visitor, [land("/?utm_source=partner")]);
    await send(visitor, [spring]);
    const direct = { channel: "direct", source: null, medium: null, campaign: null, term: null, referrer: null };
    expect((await leadOf(email)).source).toEqual({ first: direct, last: expect.objectContaining({ channel: "other", source: "partner" }) });
  });

  it("a lead with no page view has no source", async () => {
    const email = `${uid("attr")}@acme.io`;
    await send(uid("v"), [identify(email)]);
    expect((await leadOf(email)).source).toBeNull();
  });

  it("a lead fed without page views does not read its history on each batch, and its first page view still folds older ones", async () => {
    const visitor = uid("v");
    const track = (name: string) => ({ id: uid("t"), type: "track", name, ts: Date.now() });
    await send(visitor, [track("signup_started")]);
    const stub = env.LEAD.get(env.LEAD.idFromName(visitorObjectName(SITE, visitor)));
    const reads = await runInDurableObject(stub, async (instance: Lead) => {
      const store = (instance as unknown as { store: LeadStore }).store;
      let count = 0;
      const history = store.history.bind(store);
      store.history = () => (count++, history());
      for (let i = 0; i < 3; i++) await instance.ingest({ site: SITE, visitor, events: [track(`step_${i}`)] as Event[], bot: null, collectorUrl: "http://collector.test" });
      const untouched = count;
      await instance.ingest({ site: SITE, visitor, events: [land("/", "https://www.google.com/")] as Event[], bot: null, collectorUrl: "http://collector.test" });
      return { untouched, after: count, source: store.row()?.source };
    });
    expect(reads.untouched).toBe(0);
    expect(reads.after).toBe(1);
    expect(JSON.parse(reads.source ?? "null")).toMatchObject({ first: { channel: "organic_search" } });
  });

  it("a merge folds both devices' histories in the order they arrived", async () => {
    const email = `${uid("attr")}@acme.io`;
    // The laptop came through a LinkedIn ad and identified; the phone later through a Google Ads click.
    await send(uid("laptop"), [land("/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=q3"), identify(email)]);
    const phone = uid("phone");
    await send(phone, [land("/pricing?gclid=xyz", "https://www.google.com/")]);
    await send(phone, [identify(email)]);
    const lead = await leadOf(email);
    expect(lead.source).toMatchObject({
      first: { channel: "paid_social", source: "linkedin", campaign: "q3" },
      last: { channel: "paid_search", source: "google", medium: "cpc" },
    });
  });

  it("a bot's page views give no touch: the first human one is the first touch", async () => {
    const visitor = uid("v");
    await post({ site: SITE, visitor, webdriver: true, events: [land("/", "https://duckduckgo.com/")] });
    const listed = (await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads[0];
    expect((await admin(`/v1/leads/${listed.id}`)).body.lead.source).toBeNull();
    await send(visitor, [land("/pricing?utm_source=partner&utm_medium=referral")]);
    expect((await admin(`/v1/leads/${listed.id}`)).body.lead.source.first).toMatchObject({ channel: "referral", source: "partner" });
  });

  it("the first touch's channel reaches the lead index with the lead's copy", async () => {
    const email = `${uid("attr")}@acme.io`;
    await send(uid("v"), [land("/?utm_source=facebook&utm_medium=cpc"), land("/pricing", "https://duckduckgo.com/"), identify(email)]);
    const lead = await leadOf(email);
    await runDurableObjectAlarm(env.LEAD.get(env.LEAD.idFromString(lead.id)));
    const row = await indexRow(lead.id);
    expect(row.channel).toBe("paid_social");
  });
});

const T = Date.UTC(2020, 5, 1);
const D = 86_400_000;

/** A lead's copy as its object pushes it: its first-touch channel, its way through the stages and its won amount. */
function copy(site: string, channel: Channel | null, stages: Stage[], won: number | null = null): LeadCopy {
  const id = uid("ch");
  const path: Stage[] = ["anonymous", ...stages];
  return {
    id,
    site,
    lead: {
      id, site, email: stages.length ? `${id}@acme.io` : null, stage: path[path.length - 1] as Stage,
      score: 50, engagement: 40, fit: 10, first_seen: T, last_seen: T + D, bot: false, sql_at: null, channel,
    },
    changes: stages.map((to, index) => ({ sequence: index + 1, from: path[index] as Stage, to, at: T + (index + 1) * D })),
    deliveries: [],
    feedback: won === null ? [] : [{ id: 1, outcome: "won", reason: null, amount: won, at: T + 10 * D, sql_at: T + 3 * D, rules: [] }],
  };
}

describe("GET /v1/stats by_channel", () => {
  it("splits the funnel and the won revenue by first-touch channel", async () => {
    const site = uid("pk_ch");
    const leads = [
      copy(site, "organic_search", []),
      copy(site, "organic_search", ["known", "mql"]),
      copy(site, "organic_search", ["known", "mql", "sql", "accepted", "won"], 12_000),
      copy(site, "paid_social", ["known"]),
      copy(site, "email", ["known", "mql", "sql", "won"], 3_000),
      copy(site, null, ["known"]),
    ];
    for (const lead of leads) await pushLead(env.LEAD_INDEX, lead, Date.now());
    const { status, body } = await admin(`/v1/stats?site=${site}&from=${T}&to=${T + 100 * D}`);
    expect(status).toBe(200);
    expect(body.by_channel).toEqual([
      { channel: "organic_search", visitors: 3, known: 2, mql: 2, sql: 1, accepted: 1, won: 1, revenue: 12_000 },
      { channel: "paid_social", visitors: 1, known: 1, mql: 0, sql: 0, accepted: 0, won: 0, revenue: 0 },
      { channel: "email", visitors: 1, known: 1, mql: 1, sql: 1, accepted: 0, won: 1, revenue: 3_000 },
      // A lead with no page view (identified server-side) counts as other.
      { channel: "other", visitors: 1, known: 1, mql: 0, sql: 0, accepted: 0, won: 0, revenue: 0 },
    ]);
  });

  it("answers an empty list for a range with no leads", async () => {
    const { body } = await admin(`/v1/stats?site=${uid("pk_none")}&from=${T}&to=${T + D}`);
    expect(body.by_channel).toEqual([]);
  });
});
