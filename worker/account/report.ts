/**
 * What travels between a lead and its account: the lead's report, riding in its index copy
 * through the index queue (lead/index-sync.ts), and the account's summary, which the queue's
 * consumer (index-queue.ts) writes to the lead index. Types only.
 */
import type { Stage } from "../config";

/** A lead as it reports to its account. */
export interface MemberReport {
  id: string;
  email: string;
  stage: Stage;
  score: number;
  /** ms */
  last_seen: number;
}

/** A report with when its lead made it (ms, the lead's clock): an account keeps each lead's newest. */
export interface TimedReport {
  report: MemberReport;
  at: number;
}

/** The account report a lead's index copy carries, when the report changed since the last one sent. */
export interface AccountReport extends TimedReport {
  domain: string;
}

/** An account's numbers for the listing; `at` is when its object made them (its clock), so a late write never wins. */
export interface AccountSummary {
  leads: number;
  stages: Partial<Record<Stage, number>>;
  score: number;
  /** ms */
  last_seen: number;
  at: number;
}
