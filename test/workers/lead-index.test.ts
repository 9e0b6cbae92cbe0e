import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type LeadCopy, eraseLead, writeCopies } from "../../worker/lead-index";
import { admin, eventually, identify, indexRow, leadByEmail, pageView, send, track, uid } from "./helpers";
import { drain, receiver } from "./webhooks-support";

/** Creates a known lead, lets its alarm send the copy at once, and waits until the index holds it. */
async function indexedLead(events: unknown[]) {
  const address = `${uid("ix")}@acme.io`;
  await send(uid("v"), [identify(address), ...events]);
  const lead = await leadByEmail(address);
  await runDurableObjectAlarm(env.LEAD.get(env.LEAD.idFromString(lead.id)));
  await indexRow(lead.id, (row) => row.score === lead.score);
  return lead as { id: string; score: number; stage: string };
}

/** The lead's deliveries in the index's delivery log, once its copy of them arrived. */
const loggedDeliveries = (lead: string) =>
  eventually(async () => {
    const { body } = await admin("/v1/deliveries?limit=200");
    const mine = body.deliveries.filter((d: { lead_id: string }) => d.lead_id === lead);
    return mine.length > 0 ? mine : null;
  }, `deliveries of ${lead}`);

afterEach(() => vi.restoreAllMocks());

describe("lead index", () => {
  it("lists leads by score, highest first, page by page", async () => {
    const low = await indexedLead([pageView("/")]);
    const mid = await indexedLead([pageView("/pricing")]);
    const high = await indexedLead([pageView("/pricing"), pageView("/pricing")]);
    const mine = new Set([low.id, mid.id, high.id]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { leads: { id: string; score: number }[]; next_cursor: string | null } } = await admin(
        `/v1/leads?site=pk_demo&stage=known&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.leads.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.leads.map((l) => l.id).filter((id) => mine.has(id)));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([high.id, mid.id, low.id]);
  });

  it("filters by min_score and stage", async () => {
    const hot = await indexedLead([track("demo_request")]);
    const { body } = await admin(`/v1/leads?stage=sql&min_score=${hot.score}`);
    expect(body.leads.map((l: { id: string }) => l.id)).toContain(hot.id);
    expect(body.leads.every((l: { stage: string; score: number }) => l.stage === "sql" && l.score >= hot.score)).toBe(true);
  });

  it("refuses a malformed query with invalid_request", async () => {
    expect((await admin("/v1/leads?stage=hot")).status).toBe(400);
    expect((await admin("/v1/leads?cursor=nonsense")).status).toBe(400);
    expect((await admin("/v1/leads?limit=0")).status).toBe(400);
  });

  it("counts the funnel and its conversion rates", async () => {
    const from = Date.now() - 1;
    await indexedLead([pageView("/")]);
    await indexedLead([track("demo_request")]);
    const { status, body } = await admin(`/v1/stats?site=pk_demo&from=${from}`);
    expect(status).toBe(200);
    const count = (stage: string) => body.funnel.find((s: { stage: string }) => s.stage === stage).count;
    expect(count("known")).toBeGreaterThanOrEqual(2);
    expect(count("sql")).toBeGreaterThanOrEqual(1);
    expect(count("mql")).toBeGreaterThanOrEqual(count("sql"));
    expect(body.conversion[0]).toMatchObject({ from: "visitors", to: "known" });
  });

  it("refuses stats with from after to, or beyond what a date can hold", async () => {
    expect((await admin("/v1/stats?from=2026-11-23&to=2026-11-01")).status).toBe(400);
    expect((await admin("/v1/stats?from=0&to=9000000000000000")).status).toBe(400);
  });

  it("reads empty query parameters as not given, as the API's template has them", async () => {
    expect((await admin("/v1/leads?site=&stage=&min_score=&limit=&cursor=")).status).toBe(200);
    expect((await admin("/v1/stats?site=&from=&to=")).status).toBe(200);
  });

  it("logs webhook deliveries across leads and can redeliver one", async () => {
    const lead = await indexedLead([]);
    const stub = env.LEAD.get(env.LEAD.idFromString(lead.id));
    await runDurableObjectAlarm(stub);
    const [mine] = await loggedDeliveries(lead.id);
    expect(mine).toMatchObject({ type: "lead.identified", endpoint: "sales", sequence: 1 });
    expect(mine.attempts).toBeGreaterThanOrEqual(1);
    const again = await admin(`/v1/deliveries/${mine.id}/redeliver`, { method: "POST" });
    expect(again).toMatchObject({ status: 202, body: { redelivered: mine.id, lead: lead.id } });
    expect((await admin("/v1/deliveries/msg_nope/redeliver", { method: "POST" })).status).toBe(404);
  });

  it("an erased lead leaves the index", async () => {
    const lead = await indexedLead([pageView("/pricing")]);
    await admin(`/v1/leads/${lead.id}`, { method: "DELETE" });
    const { body } = await admin(`/v1/leads?min_score=${lead.score}&limit=200`);
    expect(body.leads.map((l: { id: string }) => l.id)).not.toContain(lead.id);
  });
});

describe("an endpoint that answered 410 Gone", () => {
  it("is disabled for every lead, and a redelivery through the API enables it again for all", async () => {
    const a = `${uid("gone-a")}@acme.io`;
    const b = `${uid("gone-b")}@acme.io`;
    let gone = true;
    const calls = receiver("gone-", () => new Response(null, { status: gone ? 410 : 204 }));
    const stubOf = async (address: string) => env.LEAD.get(env.LEAD.idFromString((await leadByEmail(address)).id));

    await send(uid("v"), [identify(a)]);
    await drain(await stubOf(a));
    expect(calls.filter((c) => c.body.includes(a))).toHaveLength(1);

    // Lead B never calls the endpoint that said Gone to lead A.
    const visitorB = uid("v");
    await send(visitorB, [identify(b)]);
    await drain(await stubOf(b));
    expect(calls.filter((c) => c.body.includes(b))).toHaveLength(0);

    gone = false;
    const [failed] = await loggedDeliveries((calls[0]?.json.data as { lead: { id: string } }).lead.id);
    expect((await admin(`/v1/deliveries/${failed.id}/redeliver`, { method: "POST" })).status).toBe(202);
    await drain(await stubOf(a));
    expect(calls.filter((c) => c.body.includes(a))).toHaveLength(2);

    // And B's next alert goes out again.
    await send(visitorB, [track("demo_request")]);
    await drain(await stubOf(b));
    expect(calls.filter((c) => c.body.includes(b)).map((c) => c.json.type)).toEqual(["lead.sql"]);
  });
});

describe("copies from the index queue", () => {
  const T = Date.UTC(2021, 0, 1);
  /** A lead's copy as its object sends it, at stage `stage` with its changes up to it. */
  const copyOf = (id: string, stage: "known" | "mql", score: number, changes: LeadCopy["changes"]): LeadCopy => ({
    id,
    site: "pk_queue",
    lead: { id, site: "pk_queue", email: `${id}@acme.io`, stage, score, engagement: score, fit: 0, first_seen: T, last_seen: T + score, bot: false, sql_at: null },
    changes,
    deliveries: [],
    feedback: [],
  });
  const known = { sequence: 1, from: "anonymous" as const, to: "known" as const, at: T };
  const mql = { sequence: 2, from: "known" as const, to: "mql" as const, at: T + 1 };
  const row = (id: string) => env.LEAD_INDEX.prepare("SELECT stage, score FROM leads WHERE id = ?").bind(id).first();
  const changes = async (id: string) =>
    (await env.LEAD_INDEX.prepare("SELECT sequence FROM stage_changes WHERE lead_id = ? ORDER BY sequence").bind(id).all<{ sequence: number }>()).results.map(
      (r) => r.sequence,
    );

  it("keep the newest copy's row whatever order they come in, and every stage change any of them carried", async () => {
    const id = uid("q");
    const older = { at: T + 10, copy: copyOf(id, "known", 10, [known]) };
    const newer = { at: T + 20, copy: copyOf(id, "mql", 40, [mql]) };
    // One batch with both, newest first; then the older one again, late, as a retry would bring it.
    await writeCopies(env.LEAD_INDEX, [newer, older]);
    await writeCopies(env.LEAD_INDEX, [older]);
    expect(await row(id)).toEqual({ stage: "mql", score: 40 });
    expect(await changes(id)).toEqual([1, 2]);
  });

  it("never bring an erased lead back, not even a copy made before the erasure that arrives after it", async () => {
    const id = uid("q");
    const before = { at: Date.now() - 1_000, copy: copyOf(id, "known", 10, [known]) };
    await writeCopies(env.LEAD_INDEX, [before]);
    await eraseLead(env.LEAD_INDEX, id);
    await writeCopies(env.LEAD_INDEX, [before]);
    expect(await row(id)).toBeNull();
    expect(await changes(id)).toEqual([]);
    // The same object, used again after the erasure (the visitor came back), is a lead again.
    await writeCopies(env.LEAD_INDEX, [{ at: Date.now() + 1_000, copy: copyOf(id, "known", 5, [known]) }]);
    expect(await row(id)).toEqual({ stage: "known", score: 5 });
  });

  it("write only the score and the last visit when nothing else moved, and the whole row when something did", async () => {
    const id = uid("q");
    const full = (copy: LeadCopy, at: number) => ({ at, copy });
    const rowsWritten = async (at: number, copy: LeadCopy) => {
      const batch = vi.spyOn(env.LEAD_INDEX, "batch");
      await writeCopies(env.LEAD_INDEX, [full(copy, at)]);
      const results = await (batch.mock.results[0]?.value as Promise<D1Result[]>);
      batch.mockRestore();
      return results.reduce((sum, r) => sum + r.meta.rows_written, 0);
    };
    const stored = () => env.LEAD_INDEX.prepare("SELECT * FROM leads WHERE id = ?").bind(id).first();
    const first = copyOf(id, "known", 10, [known]);
    await writeCopies(env.LEAD_INDEX, [full(first, T + 10)]);
    // A visit: the score and the last visit move, nothing else.
    const visit = copyOf(id, "known", 20, []);
    const moved = await rowsWritten(T + 20, visit);
    expect(await stored()).toMatchObject({ stage: "known", email: `${id}@acme.io`, score: 20, last_seen: T + 20, first_seen: T, updated_at: T + 20 });
    // A stage change and a new trait: the whole row.
    // (Its stage change itself is left out, so both counts are of the lead's row and its indexes alone.)
    const qualified = { ...copyOf(id, "mql", 40, []), lead: { ...copyOf(id, "mql", 40, []).lead!, name: "Ada" } };
    const whole = await rowsWritten(T + 30, qualified);
    expect(await stored()).toMatchObject({ stage: "mql", score: 40, name: "Ada", updated_at: T + 30 });
    // The columns a visit leaves alone are indexed too (email, stage, speed to lead): not rewritten.
    expect(moved).toBeLessThan(whole);
    // A visit's copy that arrives late, after a newer one, changes nothing; nor does one delivered twice.
    await writeCopies(env.LEAD_INDEX, [full(visit, T + 20)]);
    await writeCopies(env.LEAD_INDEX, [full(qualified, T + 30)]);
    expect(await stored()).toMatchObject({ stage: "mql", score: 40, name: "Ada", updated_at: T + 30 });
    const later = { ...qualified, lead: { ...qualified.lead!, score: 45, last_seen: T + 35 } };
    await writeCopies(env.LEAD_INDEX, [full(later, T + 35)]);
    await writeCopies(env.LEAD_INDEX, [full({ ...qualified, lead: { ...qualified.lead!, score: 42 } }, T + 32)]);
    expect(await stored()).toMatchObject({ stage: "mql", score: 45, last_seen: T + 35, updated_at: T + 35 });
    // A trait that changed alone is written too, not only the score.
    await writeCopies(env.LEAD_INDEX, [full({ ...qualified, changes: [], lead: { ...qualified.lead!, name: "Ada L." } }, T + 40)]);
    expect(await stored()).toMatchObject({ stage: "mql", name: "Ada L.", updated_at: T + 40 });
  });

  it("remove the row of a lead whose newest copy says it left (handed over), not one written after", async () => {
    const id = uid("q");
    await writeCopies(env.LEAD_INDEX, [{ at: T + 10, copy: copyOf(id, "known", 10, [known]) }]);
    await writeCopies(env.LEAD_INDEX, [{ at: T + 20, copy: { ...copyOf(id, "known", 10, []), lead: null } }]);
    expect(await row(id)).toBeNull();
    expect(await changes(id)).toEqual([1]);
  });
});
