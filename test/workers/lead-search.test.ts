/**
 * GET /v1/leads search (q=) and channel filter over the lead index, with keyset paging through
 * what they find.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Channel, LeadListItem } from "../../shared/api";
import { type CopiedLead, type LeadCopy, pushLead, searchTraits } from "../../worker/lead-index";
import { CHANNELS } from "../../worker/attribution/touch";
import { SITE, admin, identify, indexRow, send, uid } from "./helpers";

type Listing = { leads: LeadListItem[]; next_cursor: string | null };

const list = (query: string) => admin<Listing>(`/v1/leads?${query}`);
const ids = (body: Listing) => body.leads.map((l) => l.id);

const T = Date.UTC(2025, 0, 1);

/** A lead's copy as its object pushes it, on a site of the test's own so listings see only its leads. */
function copy(site: string, lead: Partial<CopiedLead> & { score: number }): LeadCopy {
  const id = lead.id ?? uid("s");
  return {
    id,
    site,
    lead: { id, site, email: null, stage: "known", engagement: lead.score, fit: 0, first_seen: T, last_seen: T, bot: false, sql_at: null, ...lead },
    changes: [],
    deliveries: [],
    feedback: [],
  };
}

async function seed(leads: (Partial<CopiedLead> & { score: number })[]) {
  const site = uid("pk_search");
  const copies = leads.map((lead) => copy(site, lead));
  for (const c of copies) await pushLead(env.LEAD_INDEX, c, Date.now());
  return { site, ids: copies.map((c) => c.id) };
}

describe("GET /v1/leads q=", () => {
  it("finds a lead by part of its email, its domain, its name or its company trait, in any case, and says whether it is verified", async () => {
    const token = uid("zq").replace(/-/g, "");
    const domain = `${token}-engines.io`;
    const proven = await admin<{ lead: { id: string } }>("/v1/identify", {
      method: "POST",
      body: JSON.stringify({ site: SITE, email: `ada.${token}@${domain}`, traits: { name: `Ada Lovelace${token}`, company: `Analytical ${token} Ltd` } }),
    });
    expect(proven.status).toBe(200);
    const claimedEmail = `grace.${token}@${domain}`;
    await send(uid("v"), [identify(claimedEmail, { name: "Grace Hopper" })]);
    const claimed = (await list(`email=${encodeURIComponent(claimedEmail)}`)).body.leads[0] as LeadListItem;
    for (const id of [proven.body.lead.id, claimed.id]) {
      await runDurableObjectAlarm(env.LEAD.get(env.LEAD.idFromString(id)));
      await indexRow(id, (row) => row.name !== null);
    }
    const ada = proven.body.lead.id;

    const found = async (q: string) => ids((await list(`q=${encodeURIComponent(q)}&limit=500`)).body);
    expect(await found(`ADA.${token}`)).toEqual([ada]);
    expect(await found(domain.toUpperCase())).toEqual(expect.arrayContaining([ada, claimed.id]));
    expect(await found(`${token} ltd`)).toEqual([ada]);
    expect(await found(`lovelace${token}`)).toEqual([ada]);
    expect(await found(`  lovelace${token}  `)).toEqual([ada]);

    const { body } = await list(`q=${encodeURIComponent(domain)}&site=${SITE}`);
    const byId = new Map(body.leads.map((l) => [l.id, l]));
    expect(byId.get(ada)).toMatchObject({ site: SITE, email: `ada.${token}@${domain}`, verified: true, bot: false });
    expect(byId.get(claimed.id)?.verified).toBe(false);
  });

  it("the index keeps the name and company traits as trimmed text", async () => {
    expect(searchTraits({ name: "  Ana Lima ", company: "   ", title: "CTO" })).toEqual({ name: "Ana Lima", company: null });
    expect(searchTraits({ name: 42, company: ["Acme"] })).toEqual({ name: null, company: null });
    const { ids: [id] } = await seed([{ score: 1, email: "ana@Sub.Example.ORG", name: "Ana Lima", company: "Acme", verified: true }]);
    const row = await env.LEAD_INDEX.prepare("SELECT name, company, verified FROM leads WHERE id = ?").bind(id).first();
    expect(row).toEqual({ name: "Ana Lima", company: "Acme", verified: 1 });
  });

  it("takes %, _ and \\ in q literally", async () => {
    const { site, ids: [percent, plain, underscore, other, backslash] } = await seed([
      { score: 5, name: "Save 100% now" },
      { score: 4, name: "Save 1000 now" },
      { score: 3, company: "a_b GmbH" },
      { score: 2, company: "axb GmbH" },
      { score: 1, company: "C:\\Users" },
    ]);
    const found = async (q: string) => ids((await list(`site=${site}&q=${encodeURIComponent(q)}`)).body);
    expect(await found("100%")).toEqual([percent]);
    expect(await found("100")).toEqual([percent, plain]);
    expect(await found("a_b")).toEqual([underscore]);
    expect(await found("a")).toEqual(expect.arrayContaining([underscore, other]));
    expect(await found("\\")).toEqual([backslash]);
    expect(await found("%")).toEqual([percent]);
    expect(await found("_")).toEqual([underscore]);
  });

  it("a blank q filters nothing; a q longer than 100 characters is refused", async () => {
    const { site, ids: all } = await seed([{ score: 2, name: "x" }, { score: 1 }]);
    expect(ids((await list(`site=${site}&q=${encodeURIComponent("   ")}`)).body)).toEqual(all);
    expect(ids((await list(`site=${site}&q=`)).body)).toEqual(all);
    const long = await list(`site=${site}&q=${"a".repeat(101)}`);
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ error: { code: "invalid_request", issues: [{ path: ["q"] }] } });
    expect((await list(`site=${site}&q=${"a".repeat(100)}`)).status).toBe(200);
  });

  it("pages through what q found, by score and then id, each match once", async () => {
    // Matches with tied scores between leads that do not match.
    const leads = [9, 8, 8, 8, 7, 6, 6, 5, 1].map((score, i) => ({ score, name: i % 3 === 1 ? `Other ${i}` : `Match ${i}` }));
    const { site, ids: seeded } = await seed(leads);
    const expected = seeded
      .map((id, i) => ({ id, ...(leads[i] as { score: number; name: string }) }))
      .filter((l) => l.name.startsWith("Match"))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .map((l) => l.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: Listing } = await list(`site=${site}&q=match&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.leads.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page.body));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 2));
  });

  it("is for the listing: with email= or visitor= it is refused", async () => {
    const both = await admin("/v1/leads?q=acme&email=ada@acme.io");
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe("invalid_request");
    expect((await list(`channel=email&visitor=v1&site=${SITE}`)).status).toBe(400);
  });
});

describe("GET /v1/leads channel=", () => {
  it("lists only the leads whose first touch came through that channel, and combines with q", async () => {
    const channels: (Channel | null)[] = ["email", "paid_search", "email", null, "email"];
    const { site, ids: seeded } = await seed(channels.map((channel, i) => ({ score: 10 - i, channel, name: i === 4 ? "Zed" : "Ann" })));
    expect(ids((await list(`site=${site}&channel=email`)).body)).toEqual([seeded[0], seeded[2], seeded[4]]);
    expect(ids((await list(`site=${site}&channel=paid_search`)).body)).toEqual([seeded[1]]);
    expect(ids((await list(`site=${site}&channel=direct`)).body)).toEqual([]);
    expect(ids((await list(`site=${site}&channel=email&q=ann`)).body)).toEqual([seeded[0], seeded[2]]);
  });

  it("refuses a channel it does not know with invalid_request naming the channels there are", async () => {
    const { status, body } = await list("channel=newsletter");
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: "invalid_request", message: "unknown or malformed query parameters" } });
    const issue = (body as unknown as { error: { issues: { path: string[]; message: string }[] } }).error.issues[0];
    expect(issue?.path).toEqual(["channel"]);
    for (const channel of CHANNELS) expect(issue?.message).toContain(channel);
  });
});

describe("a copy from the release before (no verified, name or company)", () => {
  it("lists with verified null (not known, never false: the lead may be proven) and is found by its email alone", async () => {
    const { site, ids: [id] } = await seed([{ score: 3, email: "old@legacy-copy.io" }]);
    const { body } = await list(`site=${site}&q=legacy`);
    expect(body.leads).toEqual([expect.objectContaining({ id, verified: null })]);
    expect(ids((await list(`site=${site}&q=old%20copy`)).body)).toEqual([]);
  });

  it("a row the index held before this release lists with verified null until the lead's next copy", async () => {
    const site = uid("pk_search");
    const id = uid("s");
    await env.LEAD_INDEX.prepare(
      `INSERT INTO leads (id, site, email, stage, score, engagement, fit, first_seen, last_seen, bot, updated_at)
       VALUES (?, ?, 'pre@old-row.io', 'known', 1, 1, 0, ?, ?, 0, ?)`,
    )
      .bind(id, site, T, T, T)
      .run();
    expect((await list(`site=${site}`)).body.leads).toEqual([expect.objectContaining({ id, verified: null })]);
    await pushLead(env.LEAD_INDEX, copy(site, { id, score: 1, email: "pre@old-row.io", verified: true }), Date.now());
    expect((await list(`site=${site}`)).body.leads).toEqual([expect.objectContaining({ id, verified: true })]);
  });
});
