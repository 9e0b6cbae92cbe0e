/**
 * Reporting a known lead to its account (account/object.ts), from the lead's alarm: off the
 * request path, like the index's copy. A lead at a free-mail domain has no account. The last
 * report is remembered, so a lead whose numbers did not change costs its account nothing.
 */
import { accountDomain } from "../account/domain";
import type { MemberReport } from "../account/object";
import { accountStub } from "../account/stub";
import { loadConfig, siteScoring } from "../settings";
import type { LeadContext } from "./context";
import type { LeadRow } from "./store";

/** The account a lead belongs to, or null: only a known lead at a business domain has one. */
export function accountOfLead(row: Pick<LeadRow, "kind" | "email" | "forward_to">): string | null {
  return row.kind === "email" && row.forward_to === null ? accountDomain(row.email) : null;
}

/** Sends the lead's latest stage, score and activity to its account, when they changed. A failure throws (the alarm retries). */
export async function reportToAccount(lead: LeadContext, now: number): Promise<void> {
  const row = lead.store.row();
  if (!row || row.email === null) return;
  const domain = accountOfLead(row);
  if (domain === null) return;
  const { scoring } = siteScoring(loadConfig(lead.env), row.site);
  const report: MemberReport = {
    id: row.id,
    email: row.email,
    stage: row.stage,
    score: lead.score.current(row, scoring, now).score,
    last_seen: row.last_seen,
  };
  const signature = JSON.stringify(report);
  if (signature === row.account_report) return;
  await accountStub(lead.env, row.site, domain).report(row.site, domain, report);
  lead.store.setAccountReport(signature);
}

/** Takes an erased lead out of its account. */
export async function leaveAccount(lead: LeadContext, row: LeadRow): Promise<void> {
  const domain = accountOfLead(row);
  if (domain !== null && row.account_report !== null) await accountStub(lead.env, row.site, domain).remove(row.id);
}
