import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Lead } from "../../worker/lead/object";
import testConfig from "../fixtures/workers.config.json";
import { SITE, admin, identify, leadByEmail, pageView, send, track, uid } from "./helpers";

const email = () => `${uid("ada")}@acme.io`;
const VP = { title: "VP Sales", company_size: 200 };

describe("a lead's journey through the stages", () => {
  it("identify makes a visitor known, with fit from its traits", async () => {
    const address = email();
    const response = await send(uid("v"), [pageView("/"), identify(address, VP)]);
    expect(response.status).toBe(202);
    const lead = await leadByEmail(address);
    expect(lead).toMatchObject({ stage: "known", email: address, fit: 35, engagement: 1, score: 36 });
    expect(lead.reasons).toEqual(
      expect.arrayContaining([
        { rule: "business-email", points: 10, count: 1 },
        { rule: "senior-title", points: 15, count: 1 },
        { rule: "target-size", points: 10, count: 1 },
      ]),
    );
  });

  it("engagement moves a known lead to MQL, and a demo request makes it SQL at once", async () => {
    const address = email();
    const visitor = uid("v");
    await send(visitor, [identify(address, { title: "engineer" })]);
    await send(visitor, [pageView("/pricing"), pageView("/pricing/teams")]);
    let lead = await leadByEmail(address);
    // 10 (business email) + 2 page views + 2 pricing visits (10) + the revisit (15) = 37
    expect(lead).toMatchObject({ stage: "known", score: 37 });
    await send(visitor, [{ id: uid("dl"), type: "download", ts: 1, url: "https://example.com/r", props: { href: "/r.pdf" } }]);
    lead = await leadByEmail(address);
    expect(lead).toMatchObject({ stage: "mql", score: 47 });
    await send(visitor, [track("demo_request", { plan: "pro" })]);
    lead = await leadByEmail(address);
    expect(lead.stage).toBe("sql");
    const { body } = await admin(`/v1/leads/${lead.id}`);
    expect(body.transitions.map((t: { from: string; to: string; sequence: number }) => [t.sequence, t.from, t.to])).toEqual([
      [1, "anonymous", "known"],
      [2, "known", "mql"],
      [3, "mql", "sql"],
    ]);
  });

  it("negative rules cool a lead down: the careers page subtracts", async () => {
    const visitor = uid("v");
    await send(visitor, [pageView("/careers")]);
    const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
    expect(body.leads[0].score).toBe(-14);
  });
});

describe("identity and merge", () => {
  it("an anonymous visitor's demo request alerts nobody until it identifies, then once as SQL", async () => {
    const address = email();
    const visitor = uid("v");
    await send(visitor, [track("demo_request")]);
    const anonymous = (await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads[0];
    expect(anonymous.stage).toBe("anonymous");
    expect((await admin(`/v1/leads/${anonymous.id}`)).body.transitions).toEqual([]);
    await send(visitor, [identify(address)]);
    const { body } = await admin(`/v1/leads/${(await leadByEmail(address)).id}`);
    expect(body.transitions.map((t: { to: string }) => t.to)).toEqual(["known", "sql"]);
  });

  it("an identify with a null trait still identifies; the null trait is left out", async () => {
    const address = email();
    const response = await send(uid("v"), [identify(address, { title: null, company: "Acme" })]);
    expect(response.status).toBe(202);
    expect((await leadByEmail(address)).traits).toEqual({ company: "Acme" });
  });

  it("keeps nested properties of a track event rather than refusing it", async () => {
    const address = email();
    const visitor = uid("v");
    await send(visitor, [identify(address)]);
    const response = await send(visitor, [track("demo_request", { seats: [1, 2], plan: { name: "pro" } })]);
    expect(response.status).toBe(202);
    expect((await leadByEmail(address)).stage).toBe("sql");
  });

  it("a lead's traits stay bounded however many identifies add new ones", async () => {
    const address = email();
    const visitor = uid("v");
    for (let i = 0; i < 4; i++) {
      const traits = Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`t${i}_${k}`, "x".repeat(200)]));
      expect((await send(visitor, [identify(address, traits)])).status).toBe(202);
    }
    const lead = await leadByEmail(address);
    expect(Object.keys(lead.traits).length).toBeLessThanOrEqual(32);
    expect(JSON.stringify(lead.traits).length).toBeLessThanOrEqual(8192);
  });

  it("merges the anonymous history into the known lead, which then scores it", async () => {
    const address = email();
    const visitor = uid("v");
    await send(visitor, [pageView("/pricing"), pageView("/pricing")]);
    await send(visitor, [identify(address)]);
    const lead = await leadByEmail(address);
    expect(lead).toMatchObject({ stage: "known", events_total: 3, visitors: [visitor] });
    expect(lead.reasons).toContainEqual({ rule: "pricing-revisit", points: 15, count: 1 });
    // The anonymous id now forwards to the known lead.
    const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
    expect(body.leads[0].id).toBe(lead.id);
    await send(visitor, [pageView("/after")]);
    expect((await leadByEmail(address)).events_total).toBe(4);
  });

  it("two devices that identify as one person become one lead, with no event lost or counted twice", async () => {
    const address = email();
    const laptop = uid("laptop");
    const phone = uid("phone");
    const laptopViews = [pageView("/pricing"), pageView("/")];
    await send(laptop, laptopViews);
    await send(laptop, [identify(address)]);
    await send(phone, [pageView("/pricing")]);
    await send(phone, [identify(address.toUpperCase())]);
    // The laptop's last batch is sent again (an unconfirmed beacon): it must not count twice.
    const resend = await send(laptop, laptopViews);
    expect(await resend.json()).toMatchObject({ accepted: 0, duplicates: 2 });

    const lead = await leadByEmail(address);
    expect(lead.events_total).toBe(5);
    expect(lead.visitors).toEqual([laptop, phone]);
    expect(lead.reasons).toContainEqual({ rule: "pricing-visit", points: 10, count: 2 });
    for (const visitor of [laptop, phone]) {
      const { body } = await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`);
      expect(body.leads[0].id).toBe(lead.id);
    }
    expect((await admin(`/v1/leads/${lead.id}`)).body.transitions).toHaveLength(1);
  });

  it("a visitor who identifies as someone else moves to that lead from then on", async () => {
    const first = email();
    const second = email();
    const visitor = uid("v");
    await send(visitor, [identify(first)]);
    await send(visitor, [identify(second), pageView("/pricing")]);
    expect((await leadByEmail(second)).events_total).toBe(2);
    expect((await leadByEmail(first)).events_total).toBe(1);
  });

  it("server-side identify joins a visitor to a known lead", async () => {
    const address = email();
    const visitor = uid("v");
    await send(visitor, [pageView("/pricing")]);
    const { status, body } = await admin("/v1/identify", {
      method: "POST",
      body: JSON.stringify({ site: SITE, visitor, email: address, traits: { title: "Founder" } }),
    });
    expect(status).toBe(200);
    expect(body.lead).toMatchObject({ email: address, stage: "known", events_total: 2 });
    expect(body.lead.traits).toEqual({ title: "Founder" });
  });
});

describe("durability", () => {
  it("a restarted object keeps its events, stage and score", async () => {
    const address = email();
    await send(uid("v"), [identify(address, VP), pageView("/pricing")]);
    const before = await leadByEmail(address);
    // A restart is a new instance over the same storage, with nothing in memory. (Not
    // abortAllDurableObjects: it cuts other tests' alarms off mid-run, which hangs the pool.)
    const stub = env.LEAD.get(env.LEAD.idFromString(before.id));
    const after = await runInDurableObject(stub, (_, state) => {
      const view = new Lead(state, env).describe();
      return view && "lead" in view ? view.lead : null;
    });
    expect(after).toMatchObject({ stage: before.stage, score: before.score, events_total: before.events_total });
  });

  it("when the rules change, the lead is rescored from its history the next time it is touched", async () => {
    const address = email();
    const visitor = uid("v");
    await send(visitor, [identify(address), pageView("/pricing")]);
    const lead = await leadByEmail(address);
    const stub = env.LEAD.get(env.LEAD.idFromString(lead.id));
    const changed = JSON.stringify(testConfig).replace(/"points":5\b/, '"points":50');
    const setConfig = (value: string) =>
      runInDurableObject(stub, (instance) => {
        (instance as unknown as { env: { LEADLIGHT_CONFIG: string } }).env.LEADLIGHT_CONFIG = value;
      });
    await setConfig(changed);
    try {
      await send(visitor, [pageView("/")]);
      const rescored = await leadByEmail(address);
      expect(rescored.reasons).toContainEqual({ rule: "pricing-visit", points: 50, count: 1 });
      expect(rescored.stage).toBe("mql");
    } finally {
      await setConfig(JSON.stringify(testConfig));
    }
  });
});

describe("admin read API", () => {
  it("refuses requests without the admin token", async () => {
    const { SELF } = await import("cloudflare:test");
    const none = await SELF.fetch("http://collector.test/v1/leads?email=a@b.co");
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: "unauthorized", message: "send Authorization: Bearer <ADMIN_TOKEN>" } });
    const wrong = await SELF.fetch("http://collector.test/v1/leads?email=a@b.co", { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: { code: "unauthorized", message: "the admin token is wrong, or the ADMIN_TOKEN secret is not set" },
    });
    expect(wrong.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    const basic = await SELF.fetch("http://collector.test/v1/leads?email=a@b.co", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(basic.status).toBe(401);
    expect(await basic.json()).toEqual({ error: { code: "unauthorized", message: "the Authorization header must be: Bearer <ADMIN_TOKEN>" } });
    expect(basic.headers.get("www-authenticate")).toBe('Bearer error="invalid_request"');
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm=""');
  });

  it("answers 404 not_found for an unknown lead id and an empty list for an unknown email", async () => {
    expect((await admin("/v1/leads/not-a-lead")).status).toBe(404);
    expect((await admin(`/v1/leads/${"0".repeat(64)}`)).status).toBe(404);
    const { body } = await admin("/v1/leads?email=nobody@nowhere.io");
    expect(body).toEqual({ leads: [], next_cursor: null });
  });

  it("returns the lead, its explanation and its timeline", async () => {
    const address = email();
    await send(uid("v"), [pageView("/pricing"), identify(address, VP)]);
    const { id } = await leadByEmail(address);
    const { status, body } = await admin(`/v1/leads/${id}`);
    expect(status).toBe(200);
    // fit 35 + one page view and one pricing visit (6) = 41: an MQL.
    expect(body.lead).toMatchObject({ id, email: address, stage: "mql", score: 41 });
    expect(body.reasons.length).toBeGreaterThan(0);
    expect(body.events.map((e: { type: string }) => e.type)).toEqual(["page_view", "identify"]);
  });
});
