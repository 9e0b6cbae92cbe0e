import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { emailObjectName, visitorObjectName } from "../../worker/identity";
import { Lead } from "../../worker/lead/object";
import { LeadStore } from "../../worker/lead/store";
import { SITE, admin, identify, leadByEmail, pageView, send, track, uid } from "./helpers";

const VP = { title: "VP Sales", company_size: 200 };
const ROUNDS = 3;
const VISITORS = 5;

/** Page views from one visitor, one request after another, until `stop` says so (and at least `min`). */
async function browse(visitor: string, started: () => void, stop: () => boolean, min = 3): Promise<void> {
  for (let n = 0; n < min || !stop(); n++) {
    const answer = await send(visitor, [pageView(`/docs/${n}`)]);
    expect(answer.status).toBe(202);
    if (n === 0) started();
  }
}

describe("erasing a lead while its visitors keep sending", () => {
  it("leaves nothing of the person behind, and the email then qualifies like a new person, with an alert", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const address = `${uid("erase")}@acme.io`;
      const visitors = Array.from({ length: VISITORS }, () => uid("v"));
      for (const visitor of visitors) await send(visitor, [identify(address, VP)]);
      const { id } = await leadByEmail(address);

      let stopped = false;
      let started = 0;
      let allStarted = () => {};
      const running = new Promise<void>((resolve) => (allStarted = resolve));
      const traffic = visitors.map((visitor) => browse(visitor, () => ++started === VISITORS && allStarted(), () => stopped));
      await running;
      const erased = await admin(`/v1/leads/${id}`, { method: "DELETE" });
      stopped = true;
      await Promise.all(traffic);

      expect(erased).toMatchObject({ status: 200, body: { deleted: id } });
      expect((await admin(`/v1/leads/${id}`)).status).toBe(404);
      expect((await admin(`/v1/leads?email=${encodeURIComponent(address)}`)).body.leads).toEqual([]);
      // Each device goes on as a new anonymous visitor that knows no email.
      for (const visitor of visitors) {
        const [lead] = (await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads;
        expect(lead).toMatchObject({ email: null, stage: "anonymous", traits: {} });
        expect(lead.id).not.toBe(id);
      }

      // The same email, from a new device, is a new person: known, then SQL, with its alert.
      await send(uid("v"), [identify(address, VP), track("demo_request")]);
      const again = await leadByEmail(address);
      expect(again).toMatchObject({ email: address, stage: "sql", events_total: 2 });
      const { body } = await admin(`/v1/leads/${again.id}`);
      expect(body.deliveries.map((d: { type: string }) => d.type)).toContain("lead.sql");
    }
  });

  it("a visitor that missed the erasure and forwards to it starts over; the email's object stays empty", async () => {
    const address = `${uid("erase")}@acme.io`;
    const visitor = uid("v");
    await send(visitor, [identify(address, VP)]);
    const { id } = await leadByEmail(address);
    expect((await admin(`/v1/leads/${id}`, { method: "DELETE" })).status).toBe(200);
    // The visitor's object as it would be had it handed over just after the erasure listed visitors.
    const stub = env.LEAD.get(env.LEAD.idFromName(visitorObjectName(SITE, visitor)));
    await runInDurableObject(stub, (instance, state) => {
      // The object's own store, so what it remembers of its row follows these writes.
      const store = (instance as unknown as { store: LeadStore }).store;
      store.create({ id: state.id.toString(), kind: "visitor", site: SITE, visitor, now: Date.now() });
      store.updateProfile({ lastSeen: Date.now(), collectorUrl: null, email: address, traits: {} });
      store.setForward(id);
    });

    expect((await send(visitor, [pageView("/late")])).status).toBe(202);
    expect((await admin(`/v1/leads?email=${encodeURIComponent(address)}`)).body.leads).toEqual([]);
    const [fresh] = (await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads;
    expect(fresh).toMatchObject({ email: null, stage: "anonymous", events_total: 1 });
    await send(uid("v"), [identify(address, VP), track("demo_request")]);
    expect(await leadByEmail(address)).toMatchObject({ email: address, stage: "sql" });
  });

  it("an erasure cut short is still refusing hand-overs in the object's next instance (after an eviction or a crash)", async () => {
    const address = `${uid("erase")}@acme.io`;
    await send(uid("v"), [identify(address, VP)]);
    const stub = env.LEAD.get(env.LEAD.idFromName(emailObjectName(SITE, address)));
    const absorb = { site: SITE, email: address, visitor: uid("v"), verified: false, traits: {}, events: [], collectorUrl: null };
    await runInDurableObject(stub, async (_, state) => {
      // Before the mark, a new instance takes a hand-over.
      expect(new Lead(state, env).absorb(absorb)).toBe(state.id.toString());
      // The mark as erase() leaves it when it goes no further.
      await state.storage.put("erasing", Date.now());
      const next = new Lead(state, env);
      expect(() => next.absorb(absorb)).toThrow("being erased");
      expect(await next.ingestForwarded({ site: SITE, visitor: absorb.visitor, events: [], bot: null, collectorUrl: "http://collector.test" })).toEqual({ gone: true });
    });
  });
});
