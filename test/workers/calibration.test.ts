/**
 * Closing the loop in the lead index: sales feedback reaches it with each lead's copy, the funnel
 * counts only accepted leads as accepted, and /v1/stats and /v1/stats/rules answer with the
 * numbers worked out by hand below. The fixture leads are pushed as Lead objects push their copy,
 * under a site of their own and in 2020, so other tests' leads never count.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Stage } from "../../worker/config";
import { type IndexedFeedback, type LeadCopy, feedbackFacts, openOverSla, pushLead } from "../../worker/lead-index";
import { admin, eventually, identify, leadByEmail, send, track, uid } from "./helpers";

const D = 86_400_000;
const M = 60_000;
const T = Date.UTC(2020, 0, 1);
const range = (site: string) => `site=${site}&from=${T}&to=${T + 100 * D}`;

type Story = { stages: Stage[]; at: number[]; feedback?: Omit<IndexedFeedback, "id">[]; first_seen?: number };

/** A lead's copy as its object would push it: its path through the stages, and its feedback. */
function copy(site: string, story: Story): LeadCopy {
  const id = uid("cal");
  const stages: Stage[] = ["anonymous", ...story.stages];
  const stage = stages[stages.length - 1] as Stage;
  const sqlAt = story.at[story.stages.indexOf("sql")] ?? null;
  return {
    id,
    site,
    lead: {
      id,
      site,
      email: `${id}@acme.io`,
      stage,
      score: 90,
      engagement: 60,
      fit: 30,
      first_seen: story.first_seen ?? T,
      last_seen: T + 50 * D,
      bot: false,
      sql_at: stage === "recycled" ? null : sqlAt,
    },
    changes: story.stages.map((to, index) => ({ sequence: index + 1, from: stages[index] as Stage, to, at: story.at[index] as number })),
    deliveries: [],
    feedback: (story.feedback ?? []).map((f, index) => ({ ...f, id: index + 1 })),
  };
}

const rules = (...ids: string[]) => ids.map((rule) => ({ rule, points: rule === "free-email" ? -10 : 10 }));
const said = (outcome: IndexedFeedback["outcome"], at: number, sqlAt: number | null, rest: Partial<IndexedFeedback> = {}) =>
  ({ outcome, at, sql_at: sqlAt, reason: null, amount: null, rules: [], ...rest }) as Omit<IndexedFeedback, "id">;

/**
 * A: SQL → accepted after 30 min → won on day 11 (5,000).   B: SQL → rejected after 90 min, "No budget".
 * C: SQL → lost after 10 min, "no budget " (never accepted).  D: SQL → won after 60 min (3,000), first seen on day 1.
 * E: SQL on day 5, no feedback yet.
 */
async function fixture() {
  const site = uid("pk_cal");
  const stories: Story[] = [
    {
      stages: ["known", "sql", "accepted", "won"],
      at: [T, T + D, T + D + 30 * M, T + 11 * D],
      feedback: [
        said("accepted", T + D + 30 * M, T + D, { rules: rules("pricing-revisit", "business-email") }),
        said("won", T + 11 * D, T + D, { amount: 5_000, rules: rules("pricing-revisit", "business-email") }),
      ],
    },
    {
      stages: ["known", "sql", "recycled"],
      at: [T, T + 2 * D, T + 2 * D + 90 * M],
      feedback: [said("rejected", T + 2 * D + 90 * M, T + 2 * D, { reason: "No budget", rules: rules("pricing-revisit", "free-email") })],
    },
    {
      stages: ["known", "sql", "lost"],
      at: [T, T + 3 * D, T + 3 * D + 10 * M],
      feedback: [said("lost", T + 3 * D + 10 * M, T + 3 * D, { reason: "no budget ", rules: rules("business-email") })],
    },
    {
      stages: ["known", "sql", "won"],
      at: [T + D, T + 4 * D, T + 4 * D + 60 * M],
      first_seen: T + D,
      feedback: [said("won", T + 4 * D + 60 * M, T + 4 * D, { amount: 3_000, rules: rules("demo-request", "business-email") })],
    },
    { stages: ["known", "sql"], at: [T + 5 * D, T + 5 * D] },
  ];
  for (const story of stories) {
    const lead = copy(site, story);
    await pushLead(env.LEAD_INDEX, lead, Date.now());
    // A copy sent again (an interrupted push made twice) changes nothing.
    await pushLead(env.LEAD_INDEX, lead, Date.now());
  }
  return site;
}

const VP = { title: "VP Sales", company_size: 200 };

/** The lead's feedback in the index since `from`, once the index queue brought all `count` pieces. */
const feedbackOf = (id: string, from: number, count: number) =>
  eventually(async () => {
    const facts = (await feedbackFacts(env.LEAD_INDEX, undefined, from, Date.now() + 1)).filter((f) => f.lead === id);
    return facts.length >= count ? facts : null;
  }, `the feedback of ${id}`);
const feedback = (id: string, body: unknown) => admin(`/v1/leads/${id}/feedback`, { method: "POST", body: JSON.stringify(body) });

describe("the funnel's accepted step", () => {
  it("counts leads sales accepted, never leads lost or won straight from SQL", async () => {
    const site = await fixture();
    const { status, body } = await admin(`/v1/stats?${range(site)}`);
    expect(status).toBe(200);
    // Before: accepted counted A, C (lost from SQL) and D (won from SQL).
    expect(body.funnel).toEqual([
      { stage: "visitors", count: 5 },
      { stage: "known", count: 5 },
      { stage: "mql", count: 5 },
      { stage: "sql", count: 5 },
      { stage: "accepted", count: 1 },
      { stage: "won", count: 2 },
    ]);
  });
});

describe("GET /v1/stats: feedback and sales", () => {
  it("answers the numbers worked out by hand", async () => {
    const site = await fixture();
    const { body } = await admin(`/v1/stats?${range(site)}`);
    expect(body.feedback).toEqual({ accepted: 1, rejected: 1, won: 2, lost: 1, reasons: { "no budget": 2 } });
    expect(body.sales).toEqual({
      close_rate: 0.667, // 2 won / (2 won + 1 lost)
      deal_size_avg: 4_000, // (5,000 + 3,000) / 2
      cycle_days_p50: 3, // of 3.04 (D) and 11 (A)
      feedback_minutes_p50: 30, // of 10, 30, 60, 90
      feedback_minutes_p90: 90,
      open_over_sla: 0, // the test config has no stages.sql.sla
    });
  });

  it("counts open SQL leads past their site's SLA, and none where there is no SLA", async () => {
    const site = await fixture();
    const at = (day: number) => ({ sites: new Map([[site, T + day * D]]), others: null });
    // E became SQL on day 5 and is the only lead still SQL.
    expect(await openOverSla(env.LEAD_INDEX, site, T, T + 100 * D, at(6))).toBe(1);
    expect(await openOverSla(env.LEAD_INDEX, site, T, T + 100 * D, at(4))).toBe(0);
    expect(await openOverSla(env.LEAD_INDEX, site, T, T + 100 * D, { sites: new Map([[site, null]]), others: T + 6 * D })).toBe(0);
    expect(await openOverSla(env.LEAD_INDEX, site, T, T + 100 * D, { sites: new Map(), others: T + 6 * D })).toBe(1);
  });
});

describe("GET /v1/stats/rules", () => {
  it("gives each rule's acceptance and lift as worked out by hand", async () => {
    const site = await fixture();
    const { status, body } = await admin(`/v1/stats/rules?${range(site)}`);
    expect(status).toBe(200);
    // Accepted: A (accepted, won) and D (won straight from SQL); rejected: B, and C (lost, never accepted).
    expect(body.baseline).toEqual({ leads: 4, accepted_rate: 0.5, won_rate: 0.5 });
    expect(body.rules).toEqual([
      { rule: "business-email", leads: 3, accepted: 2, rejected: 1, won: 2, lost: 1, accepted_rate: 0.667, lift: 1.333 },
      { rule: "pricing-revisit", leads: 2, accepted: 1, rejected: 1, won: 1, lost: 0, accepted_rate: 0.5, lift: 1 },
      { rule: "demo-request", leads: 1, accepted: 1, rejected: 0, won: 1, lost: 0, accepted_rate: 1, lift: 2 },
      { rule: "free-email", leads: 1, accepted: 0, rejected: 1, won: 0, lost: 0, accepted_rate: 0, lift: 0 },
    ]);
  });

  it("is empty for a range with no feedback, and refuses a malformed range", async () => {
    const { body } = await admin(`/v1/stats/rules?site=${uid("pk_none")}`);
    expect(body).toMatchObject({ baseline: { leads: 0, accepted_rate: null, won_rate: null }, rules: [] });
    expect((await admin("/v1/stats/rules?from=2026-11-23&to=2026-11-01")).status).toBe(400);
    expect((await admin("/v1/stats/rules")).status).toBe(200);
  });
});

describe("sales feedback reaches the lead index", () => {
  it("with when the lead became SQL and the rules that had scored it, once per feedback", async () => {
    const address = `${uid("fb")}@acme.io`;
    await send(uid("v"), [identify(address, VP), track("demo_request")]);
    const { id } = await leadByEmail(address);
    expect((await feedback(id, { outcome: "accepted" })).status).toBe(200);
    expect((await feedback(id, { outcome: "won", reason: "Signed", amount: 12_000 })).status).toBe(200);
    await runDurableObjectAlarm(env.LEAD.get(env.LEAD.idFromString(id)));

    const { body } = await admin(`/v1/leads/${id}`);
    const sqlAt = Date.parse(body.transitions.find((t: { to: string }) => t.to === "sql").at);
    const facts = await feedbackOf(id, sqlAt, 2);
    expect(facts).toMatchObject([
      { id: 1, outcome: "accepted", sql_at: sqlAt, amount: null },
      { id: 2, outcome: "won", sql_at: sqlAt, amount: 12_000, reason: "Signed" },
    ]);
    expect(facts[0]?.rules).toEqual(expect.arrayContaining(["demo-request", "senior-title", "target-size", "business-email"]));
    expect(facts[0]?.first_seen).toBe(Date.parse(body.lead.first_seen));
  });

  it("a lead sent back and qualified again is judged against its new SQL time", async () => {
    const address = `${uid("fb")}@acme.io`;
    const visitor = uid("v");
    await send(visitor, [identify(address, VP), track("demo_request")]);
    const { id } = await leadByEmail(address);
    await feedback(id, { outcome: "rejected", reason: "timing" });
    await send(visitor, [track("demo_request")]);
    await feedback(id, { outcome: "accepted" });
    await runDurableObjectAlarm(env.LEAD.get(env.LEAD.idFromString(id)));

    const { body } = await admin(`/v1/leads/${id}`);
    const sqlTimes = body.transitions.filter((t: { to: string }) => t.to === "sql").map((t: { at: string }) => Date.parse(t.at));
    expect(sqlTimes).toHaveLength(2);
    const facts = await feedbackOf(id, sqlTimes[0], 2);
    expect(facts.map((f) => [f.outcome, f.sql_at])).toEqual([
      ["rejected", sqlTimes[0]],
      ["accepted", sqlTimes[1]],
    ]);
  });
});
