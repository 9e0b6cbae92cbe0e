/**
 * What one alert says, as bytes: the Standard Webhooks body of DESIGN.md, or a Slack message.
 * Built once when the alert is enqueued, so every retry sends exactly the same body. Pure.
 */
import type { AlertBody, AlertCause, AlertEvent, LeadSnapshot, Reason, Stage } from "../../shared/api";
import type { LeadEventType } from "../config";

/** The cause of a move the rescoring sweep made after the scoring rules changed. */
export const RULES_CHANGED: AlertCause = "rules_changed";

/** One stage change of one lead, as the Lead object hands it to the outbox. */
export interface Alert {
  /** `lead.identified` for → known, otherwise `lead.<to>`. */
  type: LeadEventType;
  /** The lead's transition counter: receivers order alerts by it. */
  sequence: number;
  /** When the transition happened (ms). */
  at: number;
  lead: LeadSnapshot;
  from: Stage;
  to: Stage;
  reasons: Reason[];
  /** The lead's latest events (at most 10). */
  recent: AlertEvent[];
  /** The lead on the collector's dashboard, for the Slack button; null when unknown. */
  dashboard_url: string | null;
  /** Set when the rules changed, not the lead: a receiver can tell why a quiet lead moved. */
  cause?: AlertCause;
}

/**
 * The Standard Webhooks body. `sequence` is both top-level and in `data`, so a receiver finds
 * it whichever it reads.
 *
 * @example
 * standardBody(alert)
 * // {"type":"lead.sql","timestamp":"2026-11-23T10:00:00.000Z","sequence":3,"data":{"lead":{...},"from":"mql","to":"sql",...}}
 */
export function standardBody(alert: Alert): string {
  const body: AlertBody = {
    type: alert.type,
    timestamp: new Date(alert.at).toISOString(),
    sequence: alert.sequence,
    data: {
      lead: alert.lead,
      from: alert.from,
      to: alert.to,
      reasons: alert.reasons,
      recent: alert.recent,
      sequence: alert.sequence,
      ...(alert.cause && { cause: alert.cause }),
    },
  };
  return JSON.stringify(body);
}

const STAGE_LABEL: Record<Stage, string> = {
  anonymous: "anonymous",
  known: "known (IQL)",
  mql: "MQL",
  sql: "SQL",
  accepted: "accepted",
  recycled: "recycled",
  won: "won",
  lost: "lost",
};

const HEADLINE: Record<LeadEventType, string> = {
  "lead.identified": "is now a known lead",
  "lead.mql": "is now a Marketing Qualified Lead",
  "lead.sql": "is now a Sales Qualified Lead — ready for sales",
  "lead.accepted": "was accepted by sales",
  "lead.recycled": "was recycled to marketing",
  "lead.won": "is won",
  "lead.lost": "is lost",
  "lead.sla_missed": "is an SQL still waiting for sales feedback past the SLA",
};

const TOP_REASONS = 3;

/**
 * Slack treats `&`, `<` and `>` as markup (`<url|text>` is a link). Lead traits come from a
 * visitor's form, so they are escaped: a name cannot turn into a link in sales' channel.
 */
export const slackEscape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const trait = (traits: Record<string, unknown>, key: string): string | null => {
  const value = traits[key];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : typeof value === "number" ? String(value) : null;
};

const signed = (points: number): string => (points > 0 ? `+${points}` : String(points));

/**
 * A Slack incoming-webhook message: a plain `text` (notifications, and clients without blocks)
 * and blocks saying who, which stage, the score and its top reasons, and a button to the lead
 * on the dashboard.
 *
 * @example
 * slackBody(alert) // {"text":"Ada Lovelace (ada@acme.io) is now a Sales Qualified Lead ...","blocks":[...]}
 */
export function slackBody(alert: Alert): string {
  const { lead } = alert;
  const name = trait(lead.traits, "name");
  const who = name && lead.email ? `${name} (${lead.email})` : (name ?? lead.email ?? `lead ${lead.id}`);
  const headline = `${who} ${HEADLINE[alert.type]}`;
  const company = [trait(lead.traits, "title"), trait(lead.traits, "company")].filter((s) => s !== null).join(", ");
  const top = [...alert.reasons]
    .filter((r) => r.points !== 0)
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
    .slice(0, TOP_REASONS)
    .map((r) => `• ${slackEscape(r.rule)} ${signed(r.points)}${r.count > 1 ? ` (×${r.count})` : ""}`);

  const blocks: Record<string, unknown>[] = [
    { type: "section", text: { type: "mrkdwn", text: `*${slackEscape(headline)}*${company ? `\n${slackEscape(company)}` : ""}` } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Stage*\n${STAGE_LABEL[alert.from]} → ${STAGE_LABEL[alert.to]}` },
        { type: "mrkdwn", text: `*Score*\n${lead.score} (engagement ${lead.engagement}, fit ${lead.fit})` },
      ],
    },
  ];
  if (top.length) blocks.push({ type: "section", text: { type: "mrkdwn", text: `*Top reasons*\n${top.join("\n")}` } });
  if (alert.dashboard_url) {
    blocks.push({
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: "Open in Leadlight" }, url: alert.dashboard_url }],
    });
  }
  const why = alert.cause === RULES_CHANGED ? " · scoring rules changed" : "";
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `${alert.type} · #${alert.sequence}${why}` }] });

  const link = alert.dashboard_url ? ` <${alert.dashboard_url}|Open in Leadlight>` : "";
  return JSON.stringify({
    text: `${slackEscape(headline)} — score ${lead.score}.${link}`,
    blocks,
  });
}

/** The body for an endpoint's format. */
export const renderBody = (alert: Alert, format: "standard" | "slack"): string =>
  format === "slack" ? slackBody(alert) : standardBody(alert);
