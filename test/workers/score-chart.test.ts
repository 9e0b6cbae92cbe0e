/**
 * The lead view's score chart: the score right after each of the lead's latest events, as a
 * replay of its whole history in receive order gives it, flagged events included as points
 * (they never score) but not read beyond the chart's own.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Event } from "../../shared/wire";
import { visitorObjectName } from "../../worker/identity";
import type { Lead } from "../../worker/lead/object";
import { traitsOf } from "../../worker/lead/score";
import { LeadStore, toScored } from "../../worker/lead/store";
import { addEvent, emptyEngagement, scoreAt } from "../../worker/scoring/engine";
import { compiledScoring, loadConfig, siteScoring } from "../../worker/settings";
import { SITE, pageView, track, uid } from "./helpers";

/** What the view charts (the latest 500 events). */
const CHARTED = 500;

describe("the lead view's score chart", () => {
  it("gives the score after each of the latest 500 events as a replay of the whole history does, flagged events included", async () => {
    const visitor = uid("v");
    const stub = env.LEAD.get(env.LEAD.idFromName(visitorObjectName(SITE, visitor))) as DurableObjectStub<Lead>;
    // Human batches that score, and flagged ones (a bot's) between and after them: more events
    // than the chart shows, so its first point already carries points from events before it. 735
    // events: the chart's first point falls inside a batch, among events received at one time.
    for (let round = 0; round < 7; round++) {
      const human = Array.from({ length: 45 }, (_, i) => (i % 10 === 0 ? track("pricing_view") : pageView(i % 3 ? "/pricing" : `/docs/${round}-${i}`)));
      await stub.ingest({ site: SITE, visitor, events: human as Event[], bot: null, collectorUrl: "http://collector.test" });
      const flagged = Array.from({ length: 60 }, (_, i) => pageView(`/crawl/${round}-${i}`));
      await stub.ingest({ site: SITE, visitor, events: flagged as Event[], bot: "user_agent", collectorUrl: "http://collector.test" });
    }

    const { charted, expected } = await runInDurableObject(stub, (instance: Lead, state) => {
      const view = instance.describe();
      if (!view || !("lead" in view)) throw new Error("no lead stored");
      // The chart as the view computed it before it skipped flagged events: every event folded.
      const store = new LeadStore(state.storage.sql);
      const row = store.row();
      if (!row) throw new Error("no lead stored");
      const compiled = compiledScoring(siteScoring(loadConfig(env), SITE).scoring);
      const history = store.history().toArray();
      let fold = emptyEngagement();
      const points = history.map((event) => {
        fold = addEvent(compiled, fold, toScored(event));
        return { at: new Date(event.received_at).toISOString(), score: scoreAt(compiled, fold, traitsOf(row), event.received_at).score };
      });
      return { charted: view.score_history, expected: points.slice(-CHARTED) };
    });

    expect(charted).toHaveLength(CHARTED);
    expect(charted).toEqual(expected);
    // The flagged events' points are there, and the chart starts above zero: earlier events scored.
    expect(charted[0]?.score).toBeGreaterThan(0);
  });
});
