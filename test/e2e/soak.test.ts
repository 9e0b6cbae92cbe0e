/**
 * The crash test: a real collector under load is killed with `kill -9` (wrangler and workerd,
 * the whole process group) and restarted on the same storage, a few times. Afterwards every event
 * the collector acknowledged (202) is stored, and every alert owed (each lead that asked for a
 * demo becomes SQL) reached the receiver under exactly one webhook-id, validly signed.
 *
 * `npm test` runs a short version (one crash); `npm run soak` a longer one:
 * SOAK_CRASHES (default 1) and SOAK_SECONDS of load before each crash (default 3).
 */
import { expect, it } from "vitest";
import bundled from "../../leadlight.config.json";
import { BROWSER, withReceiverAndCollector } from "../support/receiver-and-collector";

const CRASHES = Number(process.env.SOAK_CRASHES ?? 1);
const LOAD_MS = Number(process.env.SOAK_SECONDS ?? 3) * 1_000;
const SENDERS = 4;
const SECRET = "whsec_bGVhZGxpZ2h0LWUyZS1zb2FrLXRlc3Qtc2VjcmV0LXZhbHVl";
const VP = { title: "VP Sales", company_size: 200 };

const e2e = withReceiverAndCollector({ secret: SECRET, vars: { LEADLIGHT_RATE_LIMIT: "off" } });

/** Every event id the collector acknowledged, by the visitor that sent it. */
const acked = new Map<string, string[]>();
/** Emails of leads that asked for a demo in an acknowledged batch: each owes one lead.sql. */
const owed = new Set<string>();
let sequence = 0;

const start = () => e2e.start({ ...bundled, webhooks: [e2e.webhook(["lead.sql"])] });

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
  if (crashAfter) await e2e.collector.crash(); // kill -9 while the senders are mid-request
  running = false;
  await Promise.all(senders);
}

it(`loses no acknowledged event and delivers every owed alert exactly once across ${CRASHES} kill -9`, async () => {
  for (let crash = 0; crash < CRASHES; crash++) {
    await load((await start()).url, LOAD_MS, true);
  }
  await load((await start()).url, 500, false);
  expect(owed.size).toBeGreaterThan(0);

  // Every acknowledged event is stored: read each visitor's lead (it follows the hand-over).
  let lost = 0;
  for (const [visitor, ids] of acked) {
    const { leads } = await e2e.admin<{ leads: { id: string }[] }>(`/v1/leads?site=${bundled.sites[0]?.key}&visitor=${visitor}`);
    const lead = leads[0];
    const stored = lead ? new Set((await e2e.admin<{ events: { id: string }[] }>(`/v1/leads/${lead.id}/export`)).events.map((e) => e.id)) : new Set();
    lost += ids.filter((id) => !stored.has(id)).length;
  }
  expect(lost).toBe(0);

  // Every owed lead.sql arrives (retries and the alarm after a restart), under one webhook-id each.
  const deadline = Date.now() + 30_000;
  const idsByEmail = new Map<string, Set<string>>();
  for (;;) {
    idsByEmail.clear();
    for (const { id, body } of e2e.alerts()) {
      const email = body.data.lead.email ?? "";
      idsByEmail.set(email, (idsByEmail.get(email) ?? new Set()).add(id));
    }
    if ([...owed].every((email) => idsByEmail.has(email)) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const events = [...acked.values()].reduce((n, ids) => n + ids.length, 0);
  console.log(`soak: ${events} events acknowledged by ${acked.size} visitors across ${CRASHES} kill -9, ${lost} lost; ${owed.size} alerts owed, ${e2e.received.length} deliveries received`);
  expect([...owed].filter((email) => !idsByEmail.has(email))).toEqual([]);
  expect([...idsByEmail].filter(([, ids]) => ids.size !== 1)).toEqual([]);
}, 600_000);
