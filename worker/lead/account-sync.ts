/**
 * A known lead and its account (account/object.ts). The lead's report rides in its index copy
 * (index-sync.ts) when it changed since the last one the queue took, so accounts are fed off the
 * request path in the index's batches; the queue's consumer hands each account a batch's reports
 * at once (index-queue.ts). A lead at a free-mail domain has no account. Erasure does not wait
 * for the queue: it takes the lead out of its account at once.
 */
import { accountDomain } from "../account/domain";
import type { AccountReport } from "../account/report";
import { accountStub } from "../account/stub";
import type { LeadContext } from "./context";
import type { LeadRow } from "./store";

/** The account a lead belongs to, or null: only a known lead at a business domain has one. */
export function accountOfLead(row: Pick<LeadRow, "kind" | "email" | "forward_to">): string | null {
  return row.kind === "email" && row.forward_to === null ? accountDomain(row.email) : null;
}

/**
 * The report a copy made at `at` carries, with the signature to record once the queue took it;
 * null when the lead has no account or its account has this very report already.
 */
export function accountReportOf(row: LeadRow, score: number, at: number): { account: AccountReport; signature: string } | null {
  const domain = accountOfLead(row);
  if (domain === null || row.email === null) return null;
  const report = { id: row.id, email: row.email, stage: row.stage, score, last_seen: row.last_seen };
  const signature = JSON.stringify(report);
  return signature === row.account_report ? null : { account: { domain, report, at }, signature };
}

/**
 * Takes an erased lead out of its account, with the time of the erasure: a report of it still in
 * the queue is then refused. Also when the lead never recorded a report: one may be on its way.
 */
export async function leaveAccount(lead: LeadContext, row: LeadRow): Promise<void> {
  const domain = accountOfLead(row);
  if (domain !== null) await accountStub(lead.env, row.site, domain).remove(row.id, Date.now());
}
