/**
 * A rules change end to end: a real `wrangler dev` collector makes a known lead under rules A,
 * then is restarted on the same storage with rules B (as a deploy would be), and the lead, which
 * sends nothing after the restart, is rescored in the background and alerts as an MQL.
 */
import { describe, expect, it } from "vitest";
import bundled from "../../leadlight.config.json";
import type { AlertBody, LeadListItem, RescoreStatus } from "../../shared/api";
import { BROWSER, withReceiverAndCollector } from "../support/receiver-and-collector";

const SECRET = "whsec_bGVhZGxpZ2h0LWUyZS1ydWxlcy1jaGFuZ2Utc2VjcmV0";
/** The restarted collector waits a few seconds before its first page (sweep/object.ts), then alerts. */
const ALERT_TIMEOUT_MS = 45_000;

const e2e = withReceiverAndCollector({ secret: SECRET });

/** The shipped rules with the download rule worth `points`, alerting the local receiver. */
function rules(downloadPoints: number) {
  return {
    ...bundled,
    scoring: {
      ...bundled.scoring,
      engagement: bundled.scoring.engagement.map((rule) => (rule.id === "download" ? { ...rule, points: downloadPoints } : rule)),
    },
    webhooks: [e2e.webhook(["lead.identified", "lead.mql"])],
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${e2e.received.length} alerts`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const alert = (type: string, email: string): AlertBody | undefined =>
  e2e
    .alerts()
    .map((a) => a.body)
    .find((body) => body.type === type && body.data.lead.email === email);

describe("a rules change reaches a lead that sends nothing", () => {
  it("restarted with a richer download rule, the collector alerts lead.mql for a quiet known lead, with cause rules_changed", async () => {
    const collector = await e2e.start(rules(10));
    const email = `quiet-${Date.now().toString(36)}@acme.io`;
    const response = await fetch(`${collector.url}/v1/events`, {
      method: "POST",
      headers: { "content-type": "text/plain", "user-agent": BROWSER },
      body: JSON.stringify({
        site: "pk_demo",
        visitor: `v-${Date.now().toString(36)}`,
        events: [
          { id: "e1", type: "identify", ts: Date.now(), props: { email } },
          { id: "e2", type: "download", ts: Date.now(), url: "https://example.com/whitepaper", props: { href: "/whitepaper.pdf" } },
        ],
      }),
    });
    expect(response.status).toBe(202);
    // 10 (business email) + 10 (download): known, below MQL (40). Its index copy lands a moment later.
    await waitFor("lead.identified", () => alert("lead.identified", email));
    const listed = await waitFor("the lead in the index", async () =>
      (await e2e.admin<{ leads: LeadListItem[] }>("/v1/leads?stage=known")).leads.find((lead) => lead.email === email),
    );
    expect(listed).toMatchObject({ stage: "known", score: 20 });
    await collector.stop();

    // The same storage, a download now worth 40: 50 points, over MQL. The lead sends nothing more.
    await e2e.start(rules(40));
    const mql = await waitFor("lead.mql after the restart", () => alert("lead.mql", email), ALERT_TIMEOUT_MS);
    expect(mql.data).toMatchObject({ from: "known", to: "mql", cause: "rules_changed", lead: { email, stage: "mql", score: 50 } });

    const status = await waitFor("the sweep to finish", async () => {
      const answer = await e2e.admin<RescoreStatus>("/v1/rescore");
      return answer.state === "done" ? answer : undefined;
    });
    expect(status.moved).toBeGreaterThanOrEqual(1);
    const after = await waitFor("the new score in the listing", async () =>
      (await e2e.admin<{ leads: LeadListItem[] }>("/v1/leads?stage=mql")).leads.find((lead) => lead.email === email),
    );
    expect(after.score).toBe(50);
  });
});
