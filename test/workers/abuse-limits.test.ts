import { createExecutionContext, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import type { Event } from "../../shared/wire";
import { LeadStore, fromWire, receivedReads } from "../../worker/lead/store";
import { SITE, admin, identify, pageView, post, track, uid } from "./helpers";

/** The test config's site whose leads may take in 10 events an hour (limits.events_per_lead_per_hour). */
const SMALL = "pk_small";
const VP = { title: "VP Sales", company_size: 200 };

describe("limits against abuse", () => {
  it("beyond a lead's hourly event budget, events are stored as flood and never score", async () => {
    const email = `${uid("flood")}@acme.io`;
    const visitor = uid("v");
    const views = Array.from({ length: 9 }, (_, i) => pageView(`/docs/${i}`));
    expect((await post({ site: SMALL, visitor, events: [identify(email, VP), ...views] })).status).toBe(202);
    expect((await post({ site: SMALL, visitor, events: [track("demo_request")] })).status).toBe(202);

    const [lead] = (await admin(`/v1/leads?site=${SMALL}&email=${encodeURIComponent(email)}`)).body.leads;
    expect(lead.stage).not.toBe("sql");
    expect(lead.events_total).toBe(11);
    const { body } = await admin(`/v1/leads/${lead.id}`);
    const demo = body.events.find((e: { type: string }) => e.type === "track");
    expect(demo.bot).toBe("flood");
  });

  it("a lead woken from eviction counts the events it received in the last hour, old merged ones left out", async () => {
    const stub = env.LEAD.get(env.LEAD.idFromName(uid("woken")));
    const HOUR = 3_600_000;
    const now = Date.now();
    const { empty, tally, counts } = await runInDurableObject(stub, (_, state) => {
      const live = new LeadStore(state.storage.sql);
      const empty = receivedReads(state.storage.sql).tally(now - HOUR);
      const event = (at: number) => fromWire(pageView("/docs") as Event, "v1", at, null);
      live.insertEvents([event(now - 2 * HOUR), event(now - 50 * 60_000), event(now - 20 * 60_000), event(now - 10 * 60_000)]);
      // A hand-over's history: a newer seq, received before the window.
      live.insertEvent(event(now - 3 * HOUR));
      // The aggregate a woken object reads: the merged event has the newest seq, but is outside the window.
      const tally = receivedReads(state.storage.sql).tally(now - HOUR);
      // What a new instance over the same storage answers (as after an eviction).
      const woken = new LeadStore(state.storage.sql);
      const first = woken.countEventsSince(now - HOUR, 10);
      woken.insertEvent(event(now));
      // A window from a quarter of an hour ago has left the events of 50 and 20 minutes before behind.
      const counts = [first, woken.countEventsSince(now - HOUR, 10), woken.countEventsSince(now - 15 * 60_000, 10), woken.countEventsSince(now - 15 * 60_000, 1)];
      return { empty, tally, counts };
    });
    expect(empty).toEqual({ count: 0, oldest: null, newestSeq: null });
    expect(tally).toEqual({ count: 3, oldest: now - 50 * 60_000, newestSeq: 4 });
    expect(counts).toEqual([3, 4, 2, 1]);
  });

  it("answers 429 rate_limited with Retry-After when the client address is over its limit, whatever visitor id it sends", async () => {
    const keys: string[] = [];
    // The address limiter as Cloudflare runs it, saying no: the route must refuse before storing anything.
    const overLimit = { limit: async ({ key }: { key: string }) => (keys.push(key), { success: false }) };
    const visitor = uid("v");
    const response = await app.request(
      "http://collector.test/v1/events",
      { method: "POST", headers: { "content-type": "text/plain", "cf-connecting-ip": "203.0.113.7" }, body: JSON.stringify({ site: SITE, visitor, events: [pageView("/")] }) },
      { ...env, INGEST_IP_LIMIT: overLimit },
    );
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("10");
    expect(await response.json()).toMatchObject({ error: { code: "rate_limited", message: expect.stringContaining("address") } });
    expect(keys).toEqual(["203.0.113.7"]);
    expect((await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads).toEqual([]);
  });

  it("never limits a client on this machine (wrangler dev) by address", async () => {
    const overLimit = { limit: async () => ({ success: false }) };
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) {
      const response = await app.request(
        "http://collector.test/v1/events",
        { method: "POST", headers: { "content-type": "text/plain", "cf-connecting-ip": address }, body: JSON.stringify({ site: SITE, visitor: uid("v"), events: [pageView("/")] }) },
        { ...env, INGEST_IP_LIMIT: overLimit },
        createExecutionContext(),
      );
      expect(response.status).toBe(202);
    }
  });
});
