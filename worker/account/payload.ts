/**
 * What an account.hot alert says, as bytes: a Standard Webhooks body or a Slack message. Built
 * once when the alert is enqueued, like a lead's (webhooks/payload.ts). Pure.
 */
import type { AccountHotBody, AccountView } from "../../shared/api";
import type { WebhookConfig } from "../config";
import { slackEscape } from "../webhooks/payload";

export interface AccountAlert {
  sequence: number;
  at: number;
  account: AccountView;
  /** How many of its leads were active within the window, and their summed score. */
  active: { leads: number; score: number };
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
