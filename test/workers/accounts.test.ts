/**
 * Accounts: the known leads of one business email domain, per site, in one Account object fed
 * by its leads' index copies through the index queue. Its summed score and stage counts, the
 * listing from the lead index, the account.hot alert once per window (and in the delivery log,
 * redelivered by the account), each lead's newest report whatever order reports come in, and
 * erasure taking a lead out of its account at once.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import testConfig from "../fixtures/workers.config.json";
import { pushAccount } from "../../worker/account/listing";
import { accountStub } from "../../worker/account/stub";
import { SITE, admin, identify, leadByEmail, pageView, send, track, uid } from "./helpers";
import { receiver } from "./webhooks-support";

const deployed = env as unknown as { LEADLIGHT_CONFIG: string };
const ORIGINAL = JSON.stringify(testConfig);
afterEach(() => {
  deployed.LEADLIGHT_CONFIG = ORIGINAL;
  vi.restoreAllMocks();
});

/** Runs the collector with accounts.hot (2 leads, 60 points, 14 days) and the sales endpoint taking account.hot. */
function hotAccounts() {
  deployed.LEADLIGHT_CONFIG = JSON.stringify({
    ...testConfig,
    accounts: { hot: { min_leads: 2, min_score: 60, within: "14d" } },
    webhooks: testConfig.webhooks.map((hook) => ({ ...hook, events: [...hook.events, "account.hot"] })),
  });
}

const VP = { title: "VP Sales", company_size: 200 };
/** A fresh business domain, so tests never share an account. */
const domain = () => `${uid("acct").toLowerCase()}.io`;

/**
 * A known lead that identifies with `traits` after `events`, once its account has its report.
 * The lead's alarm sends its copy, with the report, to the index queue, whose consumer runs a
 * moment later (up to its batch timeout); the runtime may already be running that alarm on its
 * own, so the test waits for the account rather than for one run of the alarm.
 */
async function knownLead(email: string, events: unknown[] = [], traits: Record<string, unknown> = VP) {
  await send(uid("v"), [...events, identify(email, traits)]);
  const lead = (await leadByEmail(email)) as { id: string; score: number; stage: string };
  await runDurableObjectAlarm(env.LEAD.get(env.LEAD.idFromString(lead.id)));
  const name = email.split("@")[1]?.toLowerCase() ?? "";
  if (name !== "gmail.com") {
    await vi.waitFor(async () => {
      const account = await accountStub(env, SITE, name).describe();
      expect(account?.leads.map((l) => l.id)).toContain(lead.id);
    }, WAIT);
  }
  return lead;
}

/** How long a test waits for the index queue's consumer. */
const WAIT = { timeout: 10_000, interval: 50 };

const hotRows = (site: string, name: string) =>
  runInDurableObject(accountStub(env, site, name), (_, state) =>
    state.storage.sql.exec<{ type: string; sequence: number; body: string }>("SELECT type, sequence, body FROM webhook_outbox ORDER BY sequence").toArray(),
  );

describe("accounts", () => {
  it("two leads of one business domain make one account with their summed score and stage counts", async () => {
    const name = domain();
    const ada = await knownLead(`ada@${name}`, [pageView("/pricing")]);
    const grace = await knownLead(`Grace@${name.toUpperCase()}`, [track("demo_request")]);
    const { status, body } = await admin(`/v1/accounts/${name}?site=${SITE}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ site: SITE, domain: name, score: Math.round((ada.score + grace.score) * 10) / 10 });
    expect(body.stages).toEqual({ [ada.stage]: 1, [grace.stage]: (ada.stage === grace.stage ? 2 : 1) });
    expect(body.leads.map((l: { id: string }) => l.id).sort()).toEqual([ada.id, grace.id].sort());
    // Each lead whole, as the admin API shows one: read from the lead, not the account's summary.
    expect(body.leads.find((l: { id: string }) => l.id === grace.id)).toMatchObject({
      email: `grace@${name}`,
      stage: "sql",
      site: SITE,
      traits: expect.any(Object),
      fit: expect.any(Number),
      engagement: expect.any(Number),
      first_seen: expect.any(String),
      verified: expect.any(Boolean),
    });
  });

  it("a free-mail lead makes no account", async () => {
    await knownLead(`${uid("ada")}@gmail.com`);
    const { status, body } = await admin(`/v1/accounts/gmail.com?site=${SITE}`);
    expect(status).toBe(404);
    expect(body.error.code).toBe("not_found");
  });

  it("a domain in the path that is not a valid domain answers 400", async () => {
    for (const bad of ["not-a-domain", "ACME.io", "acme..io", "-x.io"]) {
      const { status, body } = await admin(`/v1/accounts/${encodeURIComponent(bad)}?site=${SITE}`);
      expect(status, bad).toBe(400);
      expect(body.error.code).toBe("invalid_request");
    }
  });

  it("lists accounts by summed score from the lead index, with min_score and paging", async () => {
    const big = domain();
    const small = domain();
    await knownLead(`a@${big}`, [track("demo_request")]);
    await knownLead(`b@${big}`);
    await knownLead(`c@${small}`);
    await vi.waitFor(async () => {
      const { body } = await admin(`/v1/accounts?site=${SITE}&limit=500`);
      expect(body.accounts.filter((a: { domain: string; leads: number }) => a.domain === big && a.leads === 2 || a.domain === small)).toHaveLength(2);
    }, WAIT);
    const mine = new Set([big, small]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { accounts: { domain: string; leads: number; score: number }[]; next_cursor: string | null } } =
        await admin(`/v1/accounts?site=${SITE}&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.accounts.filter((a) => mine.has(a.domain)).map((a) => a.domain));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([big, small]);
    const { body } = await admin(`/v1/accounts?site=${SITE}&min_score=50`);
    const row = body.accounts.find((a: { domain: string }) => a.domain === big);
    expect(row).toMatchObject({ site: SITE, leads: 2, stages: { sql: 1, known: 1 } });
    expect(body.accounts.some((a: { domain: string }) => a.domain === small)).toBe(false);
    expect((await admin("/v1/accounts?cursor=nonsense")).status).toBe(400);
  });

  it("pages through accounts of the same score across sites by domain, then site, each once", async () => {
    // A score no other test's account reaches, so min_score= keeps only these.
    const score = 1e9 + Math.floor(Math.random() * 1e6);
    const [first = "", second = ""] = [uid("pk_tie_a"), uid("pk_tie_b")].sort();
    const [low = "", high = ""] = [domain(), domain()].sort();
    const summary = { leads: 1, stages: { known: 1 }, score, last_seen: Date.now(), at: Date.now() };
    await pushAccount(env.LEAD_INDEX, [
      { site: second, domain: high, summary },
      { site: second, domain: low, summary },
      { site: first, domain: high, summary },
      { site: first, domain: low, summary },
    ]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { accounts: { domain: string; site: string }[]; next_cursor: string | null } } =
        await admin(`/v1/accounts?min_score=${score}&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.accounts.map((a) => `${a.domain} ${a.site}`));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([`${low} ${first}`, `${low} ${second}`, `${high} ${first}`, `${high} ${second}`]);
  });

  it("account.hot goes out once per window when the account reaches the threshold, and never for free mail", async () => {
    hotAccounts();
    const name = domain();
    // 35 fit points each (business email, senior title, company size): one lead is not enough.
    await knownLead(`ada@${name}`);
    expect(await hotRows(SITE, name)).toEqual([]);
    await knownLead(`grace@${name}`);
    const rows = await hotRows(SITE, name);
    expect(rows.map((r) => [r.type, r.sequence])).toEqual([["account.hot", 1]]);
    const alert = JSON.parse(rows[0]?.body ?? "{}");
    expect(alert).toMatchObject({ type: "account.hot", sequence: 1, data: { account: { domain: name, score: 70 }, sequence: 1 } });
    expect(alert.data.account.leads.map((l: { email: string }) => l.email).sort()).toEqual([`ada@${name}`, `grace@${name}`]);

    // More activity within the window: still one alert.
    await knownLead(`linus@${name}`, [pageView("/pricing")]);
    expect(await hotRows(SITE, name)).toHaveLength(1);

    // Free mail: no account, so no alert, however many leads.
    await knownLead(`${uid("a")}@gmail.com`);
    await knownLead(`${uid("b")}@gmail.com`);
    expect((await admin(`/v1/accounts/gmail.com?site=${SITE}`)).status).toBe(404);
  });

  it("account.hot is signed and delivered like every alert, logged as the account's delivery, and redelivered by the account", async () => {
    hotAccounts();
    const name = domain();
    const calls = receiver(`"domain":"${name}"`);
    await knownLead(`ada@${name}`);
    await knownLead(`grace@${name}`);
    await runDurableObjectAlarm(accountStub(env, SITE, name));
    await vi.waitFor(() => expect(calls).toHaveLength(1), WAIT);
    expect(calls[0]?.url).toBe("https://hooks.site.test/sales");
    expect(calls[0]?.headers.get("webhook-signature")).toMatch(/^v1,/);
    expect(calls[0]?.json).toMatchObject({ type: "account.hot", data: { account: { domain: name } } });
    await vi.waitFor(async () => {
      const status = await runInDurableObject(accountStub(env, SITE, name), (_, state) =>
        state.storage.sql.exec<{ status: string }>("SELECT status FROM webhook_outbox").one().status,
      );
      expect(status).toBe("delivered");
    }, WAIT);

    // In the delivery log as the account's; redelivering it goes through the account.
    const logged = await vi.waitFor(async () => {
      const { body } = await admin("/v1/deliveries?limit=500");
      const mine = body.deliveries.find((d: { account: { domain: string } | null }) => d.account?.domain === name);
      expect(mine).toMatchObject({ type: "account.hot", sequence: 1, status: "delivered", attempts: 1, lead_id: "", account: { site: SITE, domain: name } });
      return mine as { id: string };
    }, WAIT);

    const again = await admin(`/v1/deliveries/${logged.id}/redeliver`, { method: "POST" });
    expect(again).toEqual({ status: 202, body: { redelivered: logged.id, account: { site: SITE, domain: name } } });
    await runDurableObjectAlarm(accountStub(env, SITE, name));
    await vi.waitFor(() => expect(calls).toHaveLength(2), WAIT);
    expect(calls[1]?.headers.get("webhook-id")).toBe(calls[0]?.headers.get("webhook-id"));
    await vi.waitFor(async () => {
      const { body } = await admin("/v1/deliveries?limit=500");
      expect(body.deliveries.find((d: { id: string }) => d.id === logged.id)).toMatchObject({ status: "delivered", attempts: 2 });
    }, WAIT);
  });

  it("erasing a lead takes it out of its account; the last one erases the account", async () => {
    const name = domain();
    const ada = await knownLead(`ada@${name}`);
    const grace = await knownLead(`grace@${name}`);
    expect((await admin(`/v1/leads/${ada.id}`, { method: "DELETE" })).status).toBe(200);
    let account = await admin(`/v1/accounts/${name}?site=${SITE}`);
    expect(account.body.leads.map((l: { id: string }) => l.id)).toEqual([grace.id]);
    expect(account.body.score).toBe(grace.score);
    // The listing follows from the account's alarm.
    await vi.waitFor(async () => {
      const { body } = await admin(`/v1/accounts?site=${SITE}&limit=500`);
      expect(body.accounts.find((a: { domain: string }) => a.domain === name)).toMatchObject({ leads: 1, score: grace.score });
    }, WAIT);

    expect((await admin(`/v1/leads/${grace.id}`, { method: "DELETE" })).status).toBe(200);
    account = await admin(`/v1/accounts/${name}?site=${SITE}`);
    expect(account.status).toBe(404);
    const listed = await admin(`/v1/accounts?site=${SITE}&limit=500`);
    expect(listed.body.accounts.some((a: { domain: string }) => a.domain === name)).toBe(false);
  });

  it("erasing a lead renders its account's account.hot bodies again without it, under the same webhook-id", async () => {
    hotAccounts();
    // A Slack endpoint too: its body prints the leads' emails.
    const config = JSON.parse(deployed.LEADLIGHT_CONFIG);
    config.webhooks.push({ id: "slack", url: "https://hooks.slack.test/hot", events: ["account.hot"], format: "slack" });
    deployed.LEADLIGHT_CONFIG = JSON.stringify(config);
    const name = domain();
    const calls = receiver(`"domain":"${name}"`);
    const ada = await knownLead(`ada@${name}`);
    const grace = await knownLead(`grace@${name}`);
    await runDurableObjectAlarm(accountStub(env, SITE, name));
    await vi.waitFor(() => expect(calls).toHaveLength(1), WAIT);
    expect(calls[0]?.body).toContain(`ada@${name}`);
    const logged = await vi.waitFor(async () => {
      const { body } = await admin("/v1/deliveries?limit=500");
      const mine = body.deliveries.filter((d: { account: { domain: string } | null }) => d.account?.domain === name);
      expect(mine).toHaveLength(2);
      return mine as { id: string; endpoint: string }[];
    }, WAIT);
    expect((await hotRows(SITE, name)).every((r) => r.body.includes(`ada@${name}`))).toBe(true);

    expect((await admin(`/v1/leads/${ada.id}`, { method: "DELETE" })).status).toBe(200);

    const rows = await hotRows(SITE, name);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.body).not.toContain(`ada@${name}`);
      expect(row.body).not.toContain(ada.id);
      expect(row.body).toContain(`grace@${name}`);
    }
    const standard = rows.map((r) => JSON.parse(r.body)).find((b) => b.type === "account.hot");
    expect(standard.data.account).toMatchObject({ domain: name, score: grace.score, leads: [expect.objectContaining({ id: grace.id })] });
    expect(standard.data.account.leads).toHaveLength(1);
    const kept = await runInDurableObject(accountStub(env, SITE, name), (_, state) =>
      state.storage.sql.exec<{ alert: string }>("SELECT alert FROM hot_alerts").toArray().map((r) => r.alert),
    );
    expect(kept.join()).not.toContain(`ada@${name}`);
    const log = await admin("/v1/deliveries?limit=500");
    expect(JSON.stringify(log.body)).not.toContain(`ada@${name}`);
    expect(log.body.deliveries.filter((d: { account: { domain: string } | null }) => d.account?.domain === name)).toHaveLength(2);

    // Redelivered: the same message, under the same webhook-id, without her.
    const sales = logged.find((d) => d.endpoint === "sales");
    expect((await admin(`/v1/deliveries/${sales?.id}/redeliver`, { method: "POST" })).status).toBe(202);
    await runDurableObjectAlarm(accountStub(env, SITE, name));
    await vi.waitFor(() => expect(calls).toHaveLength(2), WAIT);
    expect(calls[1]?.headers.get("webhook-id")).toBe(calls[0]?.headers.get("webhook-id"));
    expect(calls[1]?.body).not.toContain(`ada@${name}`);
    expect(calls[1]?.body).toContain(`grace@${name}`);
  });

  it("erasing the only lead an account.hot alert named deletes its messages and log rows: a redelivery answers 404", async () => {
    deployed.LEADLIGHT_CONFIG = JSON.stringify({
      ...testConfig,
      accounts: { hot: { min_leads: 1, min_score: 30, within: "14d" } },
      webhooks: testConfig.webhooks.map((hook) => ({ ...hook, events: [...hook.events, "account.hot"] })),
    });
    const name = domain();
    receiver(`"domain":"${name}"`);
    const ada = await knownLead(`ada@${name}`);
    await runDurableObjectAlarm(accountStub(env, SITE, name));
    const logged = await vi.waitFor(async () => {
      const { body } = await admin("/v1/deliveries?limit=500");
      const mine = body.deliveries.find((d: { account: { domain: string } | null }) => d.account?.domain === name);
      expect(mine).toMatchObject({ type: "account.hot", sequence: 1 });
      return mine as { id: string };
    }, WAIT);
    // Grace joins within the window: no second alert, and the first one named only Ada.
    const grace = await knownLead(`grace@${name}`);
    expect(await hotRows(SITE, name)).toHaveLength(1);

    expect((await admin(`/v1/leads/${ada.id}`, { method: "DELETE" })).status).toBe(200);

    expect((await accountStub(env, SITE, name).describe())?.leads.map((l) => l.id)).toEqual([grace.id]);
    expect(await hotRows(SITE, name)).toEqual([]);
    const { body } = await admin("/v1/deliveries?limit=500");
    expect(body.deliveries.some((d: { id: string }) => d.id === logged.id)).toBe(false);
    const again = await admin(`/v1/deliveries/${logged.id}/redeliver`, { method: "POST" });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("not_found");
  });

  it("reports that come late or twice leave each lead at its newest; one made before the lead left never brings it back", async () => {
    const name = domain();
    const account = accountStub(env, SITE, name);
    const lead = (stage: "known" | "mql" | "sql", score: number) => ({ id: uid("lead"), email: `ada@${name}`, stage, score, last_seen: 1_000 + score });
    const ada = lead("known", 10);
    const newer = { report: { ...ada, stage: "mql" as const, score: 40 }, at: 2_000 };
    const older = { report: ada, at: 1_000 };
    // Newest first in one batch, then the older one again, late, as a retried batch brings it.
    expect(await account.reportMany(SITE, name, [newer, older])).toMatchObject({ leads: 1, score: 40, stages: { mql: 1 } });
    expect(await account.reportMany(SITE, name, [older, older])).toMatchObject({ leads: 1, score: 40, stages: { mql: 1 } });
    expect((await account.describe())?.leads).toEqual([expect.objectContaining({ id: ada.id, stage: "mql", score: 40 })]);

    // The lead is erased at 3,000 (its clock); a report it made before, still in the queue, is refused.
    await account.remove(ada.id, 3_000);
    expect(await account.reportMany(SITE, name, [{ report: { ...ada, score: 50 }, at: 2_500 }])).toBeNull();
    expect(await account.describe()).toBeNull();
    // The same person coming back later is a member again.
    expect(await account.reportMany(SITE, name, [{ report: { ...ada, score: 5 }, at: 4_000 }])).toMatchObject({ leads: 1, score: 5 });
  });
});
