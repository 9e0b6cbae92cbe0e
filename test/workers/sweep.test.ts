/**
 * The rescoring sweep: after the scoring rules change, quiet leads are rescored from their
 * history, move and alert (cause `rules_changed`) without sending anything new.
 *
 * The rules change the way a deploy changes them: LEADLIGHT_CONFIG is set for the whole test
 * isolate (the Worker and every object read the same environment here), and the next request the
 * Worker serves notices it, as the first request of a freshly deployed isolate would.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RescoreStatus } from "../../shared/api";
import { parseConfig } from "../../worker/config";
import { LeadStore } from "../../worker/lead/store";
import { scoringVersion } from "../../worker/settings";
import { SweepStore } from "../../worker/sweep/store";
import testConfig from "../fixtures/workers.config.json";
import { ADMIN, admin, eventually, identify, indexRow, leadByEmail, pageView, send, track, uid } from "./helpers";
import { drain, receiver } from "./webhooks-support";

type TestConfig = typeof testConfig;
type Rule = TestConfig["scoring"]["engagement"][number];

/** The test config with one engagement rule's points changed. */
function withPoints(rule: string, points: number): TestConfig {
  const changed = structuredClone(testConfig);
  changed.scoring.engagement = changed.scoring.engagement.map((r: Rule) => (r.id === rule ? { ...r, points } : r));
  return changed;
}

const ORIGINAL = JSON.stringify(testConfig);
const versionOf = (config: object): string => scoringVersion(parseConfig(config));
const deployed = env as unknown as { LEADLIGHT_CONFIG: string };
/** Deploys `config`: every part of the collector runs with it from now on. */
const deploy = (config: object) => {
  deployed.LEADLIGHT_CONFIG = JSON.stringify(config);
};

const singleton = () => env.SWEEPER.get(env.SWEEPER.idFromName("sweeper"));
const leadStub = (id: string) => env.LEAD.get(env.LEAD.idFromString(id));
const download = () => ({ id: uid("dl"), type: "download", ts: 1, url: "https://example.com/r", props: { href: "/r.pdf" } });

/**
 * Runs `sweeper` until its sweep for `version` is done. Its pages follow each other by alarms
 * set for "now", which fire on their own; only a start (or retry) delay is skipped by running
 * the alarm at once.
 */
async function sweepUntilDone(sweeper: DurableObjectStub<import("../../worker/sweep/object").Sweeper>, version: string): Promise<RescoreStatus> {
  for (let round = 0; round < 500; round++) {
    const status = await sweeper.status();
    if (status.version === version && status.state === "done") return status;
    const at = await runInDurableObject(sweeper, (_, state) => state.storage.getAlarm());
    if (at !== null && at > Date.now()) await runDurableObjectAlarm(sweeper);
    else await scheduler.wait(20);
  }
  throw new Error(`the sweep for ${version} did not finish: ${JSON.stringify(await sweeper.status())}`);
}

/** A request the Worker serves after a deploy: it notices the rules and starts the sweep. */
const touchCollector = () => admin("/v1/rescore");

/** A known lead with `events`, its copy in the lead index. */
async function indexedLead(events: unknown[]) {
  const email = `${uid("sw")}@acme.io`;
  const visitor = uid("v");
  await send(visitor, [identify(email), ...events]);
  const lead = (await leadByEmail(email)) as { id: string; stage: string; score: number };
  await runDurableObjectAlarm(leadStub(lead.id));
  await indexRow(lead.id);
  return { ...lead, email, visitor };
}

const storedRow = (id: string) => runInDurableObject(leadStub(id), (_, state) => new LeadStore(state.storage.sql).row());

/**
 * What a rescore would change: stage, score and the rules it was scored with. (The lead's own
 * alarm may meanwhile copy it to its account or the index; that bookkeeping is not the sweep's.)
 */
const scoredState = async (id: string) => {
  const row = await storedRow(id);
  return row && { stage: row.stage, score: row.score, engagement: row.engagement, fit: row.fit, sequence: row.sequence, rules_version: row.rules_version };
};

/**
 * The Sweeper's log lines (`sweep.started`, `sweep.finished`), held back from the output: every
 * test here runs two sweeps over leads, and one test reads them. Other lines are printed.
 */
let sweepLines: string[] = [];
function holdSweepLines() {
  const print = console.log.bind(console);
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].includes('"event":"sweep.')) sweepLines.push(args[0]);
    else print(...args);
  });
}

beforeEach(() => {
  sweepLines = [];
  holdSweepLines();
});

afterEach(async () => {
  vi.restoreAllMocks();
  holdSweepLines();
  // Back to the test config, swept, so the next test starts from the rules every other file uses.
  deploy(JSON.parse(ORIGINAL));
  await touchCollector();
  await sweepUntilDone(singleton(), versionOf(testConfig));
  vi.restoreAllMocks();
});

describe("rescoring after a rules change", () => {
  it("a quiet lead that now crosses MQL moves and alerts with cause rules_changed, and the listing shows its new score", async () => {
    // 10 (business email) + 10 (download) = 20: known under the rules in force.
    const lead = await indexedLead([download()]);
    expect(lead).toMatchObject({ stage: "known", score: 20 });
    const calls = receiver(lead.email);

    const rules = withPoints("download", 40);
    deploy(rules);
    await touchCollector();
    const status = await sweepUntilDone(singleton(), versionOf(rules));
    expect(status).toMatchObject({ state: "done", phase: null });
    expect(status.moved).toBeGreaterThanOrEqual(1);
    // An operator reads that the sweep started, and what it did once done.
    const logged = sweepLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual({ level: "info", event: "sweep.started", version: versionOf(rules) });
    expect(logged).toContainEqual({ level: "info", event: "sweep.finished", version: versionOf(rules), leads: status.leads_done, rescored: status.rescored, moved: status.moved, failed: status.failed });

    await drain(leadStub(lead.id));
    const mql = calls.find((call) => call.json.type === "lead.mql");
    expect(mql?.json).toMatchObject({ data: { from: "known", to: "mql", cause: "rules_changed", lead: { score: 50, stage: "mql" } } });
    const { body } = await admin(`/v1/leads/${lead.id}`);
    expect(body.transitions.at(-1)).toMatchObject({ from: "known", to: "mql", cause: "rules_changed" });
    const listed = await eventually(async () => {
      const leads: { id: string }[] = (await admin(`/v1/leads?stage=mql&min_score=50`)).body.leads;
      return leads.find((l) => l.id === lead.id);
    }, `the MQL copy of ${lead.id}`);
    expect(listed).toMatchObject({ score: 50, stage: "mql" });
  });

  // A score moved by events alone reaches the index at most every half minute per lead, and this lead's copy was just sent: a rescore after a rules change does not wait.
  it("a lead whose score changes but not its stage gets a fresh copy in the listing", { timeout: 20_000 }, async () => {
    // A free-mail lead: -10 + 10 (download) = 0, and 30 under the new rules: still known.
    const email = `${uid("free")}@gmail.com`;
    await send(uid("v"), [identify(email), download()]);
    const lead = (await leadByEmail(email)) as { id: string; score: number };
    await runDurableObjectAlarm(leadStub(lead.id));
    await indexRow(lead.id);
    const rules = withPoints("download", 40);
    deploy(rules);
    await touchCollector();
    await sweepUntilDone(singleton(), versionOf(rules));

    expect(await storedRow(lead.id)).toMatchObject({ stage: "known", score: 30 });
    // The copy is sent by the lead's own alarm right after the rescore (a score moved by new
    // events alone would wait for the lead's next copy), then written by the index queue's consumer.
    const listed = await eventually(async () => {
      await runDurableObjectAlarm(leadStub(lead.id));
      const leads: { id: string; score: number }[] = (await admin(`/v1/leads?stage=known&limit=500`)).body.leads;
      return leads.find((l) => l.id === lead.id && l.score === 30);
    }, `the rescored copy of ${lead.id}`);
    expect(listed).toMatchObject({ score: 30, stage: "known" });
  });

  it("a lead a live event already rescored is not alerted twice", async () => {
    const lead = await indexedLead([download()]);
    const calls = receiver(lead.email);
    const rules = withPoints("download", 40);
    deploy(rules);
    // The lead's own next event comes before the sweep: it moves to MQL with the new rules then.
    await send(lead.visitor, [pageView("/")]);
    expect((await storedRow(lead.id))?.stage).toBe("mql");
    await sweepUntilDone(singleton(), versionOf(rules));

    await drain(leadStub(lead.id));
    expect(calls.filter((call) => call.json.type === "lead.mql")).toHaveLength(1);
    const { body } = await admin(`/v1/leads/${lead.id}`);
    // Known by the hand-over of its visitor, MQL by its event: the sweep found it current.
    expect(body.transitions.map((t: { to: string; cause: string }) => [t.to, t.cause])).toEqual([
      ["known", "merge"],
      ["mql", "events"],
    ]);
  });

  it("leaves won and lost leads as they are", async () => {
    const won = await indexedLead([track("demo_request")]);
    const lost = await indexedLead([track("demo_request")]);
    for (const [lead, outcome] of [[won, "won"], [lost, "lost"]] as const) {
      const answer = await admin(`/v1/leads/${lead.id}/feedback`, { method: "POST", body: JSON.stringify({ outcome }) });
      expect(answer.status).toBe(200);
      await runDurableObjectAlarm(leadStub(lead.id));
    }
    const before = [await scoredState(won.id), await scoredState(lost.id)];

    const rules = withPoints("demo-request", 90);
    deploy(rules);
    await touchCollector();
    await sweepUntilDone(singleton(), versionOf(rules));

    expect([await scoredState(won.id), await scoredState(lost.id)]).toEqual(before);
    expect(before.map((state) => state?.stage)).toEqual(["won", "lost"]);
    expect(await leadStub(won.id).rescoreIfStale(versionOf(rules))).toBe("skipped");
  });

  it("a sweep cut off after a page goes on from its stored cursor, not from the start", async () => {
    const [first, second] = [await indexedLead([download()]), await indexedLead([download()])].sort((a, b) => (a.id < b.id ? -1 : 1));
    if (!first || !second) throw new Error("two leads were made");
    const rules = withPoints("download", 40);
    const version = versionOf(rules);
    // A sweeper of its own, so the collector's sweeper (which the Worker tells about every
    // deploy) cannot touch these leads: it was interrupted after the page that ended at `first`.
    const sweeper = env.SWEEPER.get(env.SWEEPER.idFromName(uid("sweeper")));
    deploy(rules);
    await runInDurableObject(sweeper, async (_, state) => {
      const store = new SweepStore(state.storage.sql);
      store.start(version, Date.now());
      store.advance(version, { leads: 1, rescored: 0, moved: 0, failed: 0, cursor: first.id });
      // What the crash left behind: the alarm for the next page.
      await state.storage.setAlarm(Date.now());
    });
    const status = await sweepUntilDone(sweeper, version);

    expect(status.leads_done).toBeGreaterThanOrEqual(2);
    expect(await storedRow(second.id)).toMatchObject({ stage: "mql", rules_version: expect.any(String) });
    // The lead before the cursor was not visited again: it still carries the old rules.
    expect(await storedRow(first.id)).toMatchObject({ stage: "known", score: 20 });
  });
});

describe("GET /v1/rescore", () => {
  it("answers the sweep's state behind the admin token", async () => {
    const { SELF } = await import("cloudflare:test");
    expect((await SELF.fetch("http://collector.test/v1/rescore")).status).toBe(401);
    const response = await SELF.fetch("http://collector.test/v1/rescore", { headers: ADMIN });
    expect(response.status).toBe(200);
    const body = (await response.json()) as RescoreStatus;
    expect(body).toMatchObject({ version: versionOf(testConfig) });
    expect(["running", "done"]).toContain(body.state);
  });
});
