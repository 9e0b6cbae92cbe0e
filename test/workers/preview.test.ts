import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PreviewAnswer } from "../../shared/api";
import { emailLead } from "../../worker/identity";
import { fromWire } from "../../worker/lead/store";
import testConfig from "../fixtures/workers.config.json";
import { admin, indexRow as indexed, pageView, track, uid } from "./helpers";
import { drain } from "./webhooks-support";

type Rule = (typeof testConfig.scoring.engagement)[number];

/** The test config with some engagement rules changed: a candidate as a marketer would write it. */
function candidate(change: Record<string, Partial<Rule> & Record<string, unknown>> = {}) {
  const config = structuredClone(testConfig) as typeof testConfig & Record<string, unknown>;
  config.scoring.engagement = config.scoring.engagement.map((rule) => ({ ...rule, ...change[rule.id] }) as Rule);
  return config;
}

/** A site of this test's own, so what other tests store never lands in its previews. */
const freshSite = () => uid("pk_pv");

/** A known lead of `site` with `events`, its alerts sent and its copy in the lead index: at rest. */
async function knownLead(site: string, events: unknown[]) {
  const email = `${uid("pv")}@acme.io`;
  const stub = emailLead(env, site, email);
  const id = await stub.absorb({
    site,
    email,
    visitor: null,
    verified: true,
    traits: {},
    events: events.map((event) => fromWire(event as Parameters<typeof fromWire>[0], null, Date.now(), null)),
    collectorUrl: null,
  });
  await drain(stub);
  await indexed(id);
  return { id, email, stub };
}

const preview = (body: unknown) =>
  admin<PreviewAnswer & { error: { code: string; message: string; problems?: { path: string }[]; issues?: unknown[] } }>(
    "/v1/preview",
    { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) },
  );

/** Every row of every table the lead object keeps, and its alarm: all it has stored. */
const storedState = (stub: ReturnType<typeof emailLead>) =>
  runInDurableObject(stub, async (_, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .toArray()
      .map((t) => t.name);
    return {
      rows: Object.fromEntries(tables.map((name) => [name, sql.exec(`SELECT * FROM "${name}"`).toArray()])),
      alarm: await state.storage.getAlarm(),
    };
  });

const indexRow = (id: string) => env.LEAD_INDEX.prepare("SELECT stage, score, last_seen FROM leads WHERE id = ?").bind(id).first();

describe("POST /v1/preview", () => {
  it("raising a rule's points moves a known lead to mql in the preview, and only there", async () => {
    const site = freshSite();
    // 1 (page view) + 5 (pricing visit) + 10 (business email) = 16: known.
    const lead = await knownLead(site, [pageView("/pricing")]);
    const { status, body } = await preview({ config: candidate({ "pricing-visit": { points: 40 } }), site });

    expect(status).toBe(200);
    expect(body).toMatchObject({ leads: 1, sampled: false, stages: { before: { known: 1, mql: 0 }, after: { known: 0, mql: 1 } } });
    expect(body.moves).toEqual([{ lead: lead.id, email: lead.email, from: "known", to: "mql", score_before: 16, score_after: 51 }]);
    expect(body.rules).toContainEqual({ rule: "pricing-visit", leads_before: 1, leads_after: 1, points_before: 5, points_after: 40 });
    // A rule of the candidate that reached no one is listed too: that is how a dead rule shows.
    expect(body.rules).toContainEqual({ rule: "careers", leads_before: 0, leads_after: 0, points_before: 0, points_after: 0 });

    const { body: after } = await admin(`/v1/leads/${lead.id}`);
    expect(after.lead).toMatchObject({ stage: "known", score: 16 });
    expect(after.transitions.map((t: { to: string }) => t.to)).toEqual(["known"]);
  });

  it("writes nothing: the lead's rows, outbox, alarm and index copy stay as they were", async () => {
    const site = freshSite();
    const lead = await knownLead(site, [pageView("/pricing"), pageView("/docs")]);
    const before = await storedState(lead.stub);
    const indexed = await indexRow(lead.id);
    expect(before.rows.webhook_outbox?.length).toBeGreaterThan(0);

    // A candidate under which the lead would go straight to SQL and owe an alert.
    const { body } = await preview({ config: candidate({ "pricing-visit": { points: 100 } }), site });
    expect(body.moves).toMatchObject([{ lead: lead.id, from: "known", to: "sql" }]);

    expect(await storedState(lead.stub)).toEqual(before);
    expect(await indexRow(lead.id)).toEqual(indexed);
  });

  it("a recycled lead qualifies in the preview only on what it did after sales sent it back", async () => {
    const site = freshSite();
    const lead = await knownLead(site, [track("demo_request")]);
    expect((await admin(`/v1/leads/${lead.id}/feedback`, { method: "POST", body: JSON.stringify({ outcome: "rejected" }) })).status).toBe(200);
    await drain(lead.stub);

    const { body } = await preview({ config: candidate({ "demo-request": { points: 200 } }), site });
    expect(body.stages).toEqual({ before: { recycled: 1 }, after: { recycled: 1 } });
    expect(body.moves).toEqual([]);
    expect(body.rules).toContainEqual(expect.objectContaining({ rule: "demo-request", points_before: 30, points_after: 200 }));
  });

  it("replays only the leads of the site asked for", async () => {
    const site = freshSite();
    const other = freshSite();
    const mine = await knownLead(site, [pageView("/pricing")]);
    const theirs = await knownLead(other, [pageView("/pricing")]);
    const config = candidate({ "pricing-visit": { points: 40 } });

    const { body } = await preview({ config, site });
    expect(body.leads).toBe(1);
    expect(body.moves.map((m) => m.lead)).toEqual([mine.id]);
    expect((await preview({ config, site: other })).body.moves.map((m) => m.lead)).toEqual([theirs.id]);
    expect((await preview({ config })).body.leads).toBeGreaterThanOrEqual(2);
  });

  it("replays the most recently seen leads up to limit, and says when there were more", async () => {
    const site = freshSite();
    const leads = [];
    for (const seen of [1_000, 2_000, 3_000]) {
      const lead = await knownLead(site, [pageView("/pricing")]);
      // The index's last_seen orders the replay; set it so the order does not hang on the clock.
      await env.LEAD_INDEX.prepare("UPDATE leads SET last_seen = ? WHERE id = ?").bind(seen, lead.id).run();
      leads.push(lead);
    }
    const config = candidate({ "pricing-visit": { points: 40 } });

    const two = await preview({ config, site, limit: 2 });
    expect(two.body).toMatchObject({ leads: 2, sampled: true });
    expect(two.body.moves.map((m) => m.lead).sort()).toEqual([leads[1]?.id, leads[2]?.id].sort());
    expect((await preview({ config, site, limit: 3 })).body).toMatchObject({ leads: 3, sampled: false });
  });

  it("refuses an invalid candidate with 400 invalid_config and the JSON path of each problem", async () => {
    const config = candidate({ "pricing-revisit": { nth: undefined } });
    (config.scoring.engagement[0] as Record<string, unknown>).poinst = 2;
    const { status, body } = await preview({ config });
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_config");
    expect(body.error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "$.scoring.engagement[2].within" }),
        expect.objectContaining({ path: "$.scoring.engagement[0].poinst", message: expect.stringContaining('"points"') }),
      ]),
    );
    expect(body.error.message).toContain("$.scoring.engagement");
  });

  it("refuses a body that is not one with 400 invalid_payload", async () => {
    const config = candidate();
    for (const body of ["{not json", {}, { config, extra: 1 }, { config, limit: 0 }, { config, limit: 5001 }, { config, limit: 2.5 }]) {
      const { status, body: answer } = await preview(body);
      expect({ body, status, code: answer.error?.code }).toEqual({ body, status: 400, code: "invalid_payload" });
    }
  });

  it("needs the admin token", async () => {
    const { SELF } = await import("cloudflare:test");
    const response = await SELF.fetch("http://collector.test/v1/preview", { method: "POST", body: JSON.stringify({ config: candidate() }) });
    expect(response.status).toBe(401);
  });
});
