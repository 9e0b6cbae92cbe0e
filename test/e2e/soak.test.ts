/**
 * The crash test: a real collector under load is killed with `kill -9` (wrangler and workerd,
 * the whole process group) and restarted on the same storage, a few times. Afterwards every event
 * the collector acknowledged (202) is stored, and every alert owed (each lead that asked for a
 * demo becomes SQL) reached the receiver under exactly one webhook-id, validly signed.
 *
 * `npm test` runs a short version (one crash); `npm run soak` a longer one:
 * SOAK_CRASHES (default 1) and SOAK_SECONDS of load before each crash (default 3).
 */
import { rmSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import bundled from "../../leadlight.config.json";
import type { AlertBody } from "../../shared/api";
import { type Collector, TEST_ADMIN_TOKEN, startCollector, storageDir } from "../support/collector";
import { type Receiver, type Received, startReceiver } from "../support/receiver";

const CRASHES = Number(process.env.SOAK_CRASHES ?? 1);
const LOAD_MS = Number(process.env.SOAK_SECONDS ?? 3) * 1_000;
const SENDERS = 4;
const SECRET = "whsec_bGVhZGxpZ2h0LWUyZS1zb2FrLXRlc3Qtc2VjcmV0LXZhbHVl";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
const VP = { title: "VP Sales", company_size: 200 };

let received: Received[] = [];
let receiver: Receiver | undefined;
let collector: Collector | undefined;
const storage = storageDir();

/** Every event id the collector acknowledged, by the visitor that sent it. */
const acked = new Map<string, string[]>();
/** Emails of leads that asked for a demo in an acknowledged batch: each owes one lead.sql. */
const owed = new Set<string>();
let sequence = 0;

const start = (port: number) =>
  startCollector({
    config: {
      ...bundled,
      webhooks: [{ id: "sales", url: `http://127.0.0.1:${port}/hook`, events: ["lead.sql"], secret_env: "WEBHOOK_SECRET_SALES", format: "standard" }],
    },
    persistTo: storage,
    vars: { WEBHOOK_SECRET_SALES: SECRET, LEADLIGHT_RETRY_SCALE: "0.001", LEADLIGHT_RATE_LIMIT: "off" },
  });

beforeAll(async () => {
  receiver = await startReceiver();
  received = receiver.received;
});

afterAll(async () => {
  await collector?.stop();
  await receiver?.close();
  rmSync(storage, { recursive: true, force: true });
});

/** One person: a few page views, then identify and a demo request; acknowledged events recorded. */
async function person(url: string): Promise<void> {
  const n = sequence++;
  const visitor = `soak-v${n}`;
  const email = `soak-${n}@acme.io`;
  const batches = [
    [{ id: `${visitor}-p1`, type: "page_view", ts: Date.now(), url: "https://example.com/" }],
    [{ id: `${visitor}-p2`, type: "page_view", ts: Date.now(), url: "https://example.com/pricing" }],
    [
      { id: `${visitor}-id`, type: "identify", ts: Date.now(), props: { email, traits: VP } },
      { id: `${visitor}-demo`, type: "track", ts: Date.now(), name: "demo_request" },
    ],
  ];
  for (const events of batches) {
    let response: Response;
    try {
      response = await fetch(`${url}/v1/events`, {
        method: "POST",
        headers: { "content-type": "text/plain", "user-agent": BROWSER },
        body: JSON.stringify({ site: bundled.sites[0]?.key, visitor, events }),
      });
      await response.arrayBuffer();
    } catch {
      return; // The collector died under this request: nothing was acknowledged.
    }
    if (response.status !== 202) return;
    acked.set(visitor, [...(acked.get(visitor) ?? []), ...events.map((e) => e.id)]);
    if (events.some((e) => e.type === "track")) owed.add(email);
  }
}

/** Load from SENDERS concurrent senders until `stop` resolves. */
async function load(url: string, ms: number, crashAfter: boolean): Promise<void> {
  let running = true;
  const senders = Array.from({ length: SENDERS }, async () => {
    while (running) await person(url);
  });
  await new Promise((resolve) => setTimeout(resolve, ms));
  if (crashAfter) await collector?.crash(); // kill -9 while the senders are mid-request
  running = false;
  await Promise.all(senders);
}

async function admin<T>(path: string): Promise<T> {
  const response = await fetch(`${collector?.url}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

it(`loses no acknowledged event and delivers every owed alert exactly once across ${CRASHES} kill -9`, async () => {
  const port = receiver?.port ?? 0;
  for (let crash = 0; crash < CRASHES; crash++) {
    collector = await start(port);
    await load(collector.url, LOAD_MS, true);
  }
  collector = await start(port);
  await load(collector.url, 500, false);
  expect(owed.size).toBeGreaterThan(0);

  // Every acknowledged event is stored: read each visitor's lead (it follows the hand-over).
  let lost = 0;
  for (const [visitor, ids] of acked) {
    const { leads } = await admin<{ leads: { id: string }[] }>(`/v1/leads?site=${bundled.sites[0]?.key}&visitor=${visitor}`);
    const lead = leads[0];
    const stored = lead ? new Set((await admin<{ events: { id: string }[] }>(`/v1/leads/${lead.id}/export`)).events.map((e) => e.id)) : new Set();
    lost += ids.filter((id) => !stored.has(id)).length;
  }
  expect(lost).toBe(0);

  // Every owed lead.sql arrives (retries and the alarm after a restart), under one webhook-id each.
  const deadline = Date.now() + 30_000;
  const idsByEmail = new Map<string, Set<string>>();
  for (;;) {
    idsByEmail.clear();
    for (const r of received) {
      const body = new Webhook(SECRET).verify(r.body, r.headers as Record<string, string>) as AlertBody;
      const email = body.data.lead.email ?? "";
      idsByEmail.set(email, (idsByEmail.get(email) ?? new Set()).add(String(r.headers["webhook-id"])));
    }
    if ([...owed].every((email) => idsByEmail.has(email)) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const events = [...acked.values()].reduce((n, ids) => n + ids.length, 0);
  console.log(`soak: ${events} events acknowledged by ${acked.size} visitors across ${CRASHES} kill -9, ${lost} lost; ${owed.size} alerts owed, ${received.length} deliveries received`);
  expect([...owed].filter((email) => !idsByEmail.has(email))).toEqual([]);
  expect([...idsByEmail].filter(([, ids]) => ids.size !== 1)).toEqual([]);
}, 600_000);
