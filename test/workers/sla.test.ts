/**
 * Speed to lead through a real Lead object: with `stages.sql.sla` set, an SQL that gets no sales
 * feedback in time owes one lead.sla_missed alert; feedback first cancels it. The lead runs with
 * the test config plus an SLA and an endpoint that opts in; time is moved by setting the due
 * time into the past, never by waiting.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import testConfig from "../fixtures/workers.config.json";
import { emailLead } from "../../worker/identity";
import type { LeadStore } from "../../worker/lead/store";
import { SITE, admin, identify, send, track, uid } from "./helpers";
import { drain, receiver } from "./webhooks-support";

const VP = { title: "VP Sales", company_size: 200 };
const HOURS_4 = 4 * 3_600_000;

const withSla = JSON.stringify({
  ...testConfig,
  scoring: { ...testConfig.scoring, stages: { ...testConfig.scoring.stages, sql: { ...testConfig.scoring.stages.sql, sla: "4h" } } },
  webhooks: testConfig.webhooks.map((hook) => ({ ...hook, events: [...hook.events, "lead.accepted", "lead.sla_missed"] })),
});

type Stub = ReturnType<typeof emailLead>;

/**
 * Runs the object with `config`. In the test runtime the object shares its `env` with the Worker,
 * so every test puts the test config back when it ends.
 */
const useConfig = (stub: Stub, config: string) =>
  runInDurableObject(stub, (instance) => {
    (instance as unknown as { env: { LEADLIGHT_CONFIG: string } }).env.LEADLIGHT_CONFIG = config;
  });

const clock = (stub: Stub) =>
  runInDurableObject(stub, (_, state) => state.storage.sql.exec<{ sql_at: number | null; sla_due: number | null }>("SELECT sql_at, sla_due FROM lead").one());

/** Time travel: the SLA ran out a moment ago, and the alarm is due now. */
const expire = (stub: Stub) =>
  runInDurableObject(stub, async (instance, state) => {
    state.storage.sql.exec("UPDATE lead SET sla_due = min(sla_due, ?)", Date.now() - 1);
    // Written behind the object's back: it must read its row again.
    (instance as unknown as { store: LeadStore }).store.forget();
    await state.storage.setAlarm(Date.now());
  });

/** A known lead whose object runs with an SLA of 4 hours, then made SQL by a demo request. */
async function sqlLeadWithSla() {
  const address = `${uid("sla")}@acme.io`;
  const visitor = uid("v");
  await send(visitor, [identify(address, VP)]);
  const stub = emailLead(env, SITE, address);
  await useConfig(stub, withSla);
  const calls = receiver(address);
  await send(visitor, [track("demo_request")]);
  await drain(stub);
  // The lead.identified alert may have left before the receiver was listening: leave it out.
  const alerts = () => calls.filter((c) => c.json.type !== "lead.identified");
  return { stub, alerts, id: stub.id.toString() };
}

afterEach(() => vi.restoreAllMocks());

describe("speed to lead (stages.sql.sla)", () => {
  it("a lead becoming SQL owes its alert at the SQL time plus the SLA, and the alarm points there", async () => {
    const { stub } = await sqlLeadWithSla();
    try {
      const { sql_at, sla_due } = await clock(stub);
      expect(sql_at).not.toBeNull();
      expect(sla_due).toBe((sql_at as number) + HOURS_4);
      const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
      expect(alarm).not.toBeNull();
      expect(alarm as number).toBeLessThanOrEqual(sla_due as number);
    } finally {
      await useConfig(stub, JSON.stringify(testConfig));
    }
  });

  it("sends lead.sla_missed once when the SLA passes with no feedback, after the lead.sql it follows", async () => {
    const { stub, alerts } = await sqlLeadWithSla();
    try {
      expect(alerts().map((c) => c.json.type)).toEqual(["lead.sql"]);
      await expire(stub);
      await drain(stub);
      expect(alerts().map((c) => c.json.type)).toEqual(["lead.sql", "lead.sla_missed"]);
      const [sql, missed] = alerts();
      expect(missed?.json.sequence).toBe((sql?.json.sequence as number) + 1);
      expect(missed?.json.data).toMatchObject({ from: "sql", to: "sql", lead: { stage: "sql" } });

      // Once: later alarms send nothing more, and the lead owes no SLA alert any longer.
      expect((await clock(stub)).sla_due).toBeNull();
      await runInDurableObject(stub, (_, state) => state.storage.setAlarm(Date.now()));
      await runDurableObjectAlarm(stub);
      expect(alerts().map((c) => c.json.type)).toEqual(["lead.sql", "lead.sla_missed"]);
    } finally {
      await useConfig(stub, JSON.stringify(testConfig));
    }
  });

  it("never sends it once sales gave feedback, and the next alert keeps the order", async () => {
    const { stub, alerts, id } = await sqlLeadWithSla();
    try {
      expect((await admin(`/v1/leads/${id}/feedback`, { method: "POST", body: JSON.stringify({ outcome: "accepted" }) })).status).toBe(200);
      expect((await clock(stub)).sla_due).toBeNull();
      await expire(stub);
      await drain(stub);
      expect(alerts().map((c) => [c.json.type, c.json.sequence])).toEqual([
        ["lead.sql", 2],
        ["lead.accepted", 3],
      ]);
    } finally {
      await useConfig(stub, JSON.stringify(testConfig));
    }
  });

  it("owes nothing when no SLA is configured", async () => {
    const address = `${uid("nosla")}@acme.io`;
    await send(uid("v"), [identify(address, VP), track("demo_request")]);
    const { sql_at, sla_due } = await clock(emailLead(env, SITE, address));
    expect(sql_at).not.toBeNull();
    expect(sla_due).toBeNull();
  });
});
