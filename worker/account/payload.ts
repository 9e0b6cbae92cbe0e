/**
 * What an account.hot alert says, as bytes: a Standard Webhooks body or a Slack message. Built
 * once when the alert is enqueued, like a lead's (webhooks/payload.ts). Pure.
 */
import type { AccountHotBody, AccountLead, AccountView, Stage } from "../../shared/api";
import type { WebhookConfig } from "../config";
import { slackEscape } from "../webhooks/payload";
import type { AccountAlert, MemberRow } from "./store";


const iso = (ms: number) => new Date(ms).toISOString();
export const round1 = (n: number) => Math.round(n * 10) / 10;

/** The account's numbers and leads, from its members. */
export function accountView(site: string, domain: string, members: readonly MemberRow[]): AccountView {
  const stages: Partial<Record<Stage, number>> = {};
  for (const m of members) stages[m.stage] = (stages[m.stage] ?? 0) + 1;
  return {
    site,
    domain,
    stages,
    score: round1(members.reduce((sum, m) => sum + m.score, 0)),
    last_seen: iso(members.reduce((max, m) => Math.max(max, m.last_seen), 0)),
    leads: members.map((m): AccountLead => ({ id: m.lead_id, email: m.email, stage: m.stage, score: m.score, last_seen: iso(m.last_seen) })),
  };
}

/**
 * The alert as it reads once a lead was erased: its numbers summed again over the leads left
 * (an alert's account lists exactly the leads it counted as active). The alert itself when it
 * never named the lead; null when it named no one else, so nothing of it is left to send.
 *
 * @example
 * withoutLead(alert, ada.id) // alert.account.leads without Ada, its score and stages without hers
 */
export function withoutLead(alert: AccountAlert, leadId: string): AccountAlert | null {
  const rest = alert.account.leads.filter((lead) => lead.id !== leadId);
  if (rest.length === alert.account.leads.length) return alert;
  if (rest.length === 0) return null;
  const members = rest.map((lead): MemberRow => ({ lead_id: lead.id, email: lead.email, stage: lead.stage, score: lead.score, last_seen: Date.parse(lead.last_seen) }));
  const account = accountView(alert.account.site, alert.account.domain, members);
  return { ...alert, account, active: { leads: rest.length, score: account.score } };
}

/**
 * @example
 * accountHotBody(alert, "standard")
 * // {"type":"account.hot","timestamp":"…","sequence":1,"data":{"account":{"site":"pk_demo","domain":"acme.io","score":140,…},"sequence":1}}
 */
export function accountHotBody(alert: AccountAlert, format: WebhookConfig["format"]): string {
  if (format === "slack") {
    const { account, active } = alert;
    const who = account.leads.slice(0, 5).map((lead) => `• ${slackEscape(lead.email)} (${lead.stage}, ${lead.score})`);
    const headline = `${slackEscape(account.domain)} is a hot account: ${active.leads} people active, score ${active.score}`;
    return JSON.stringify({
      text: headline,
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: `*${headline}*\n${who.join("\n")}` } },
        { type: "context", elements: [{ type: "mrkdwn", text: `account.hot · #${alert.sequence}` }] },
      ],
    });
  }
  const body: AccountHotBody = {
    type: "account.hot",
    timestamp: new Date(alert.at).toISOString(),
    sequence: alert.sequence,
    data: { account: alert.account, sequence: alert.sequence },
  };
  return JSON.stringify(body);
}
