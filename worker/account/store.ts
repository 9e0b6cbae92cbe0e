/**
 * Every SQL statement of an Account object (its outbox's are in webhooks/store.ts). Synchronous,
 * so a caller groups them in one `transactionSync`.
 */
import type { Stage } from "../config";

export type AccountRow = {
  site: string;
  domain: string;
  /** When the account last alerted account.hot; null when it never did. */
  hot_at: number | null;
  /** The account's alert counter (its alerts' `sequence`). */
  sequence: number;
  /** When the lead index is owed the account's summary; null when it has the latest. */
  index_due: number | null;
};

export type MemberRow = {
  lead_id: string;
  email: string;
  stage: Stage;
  score: number;
  last_seen: number;
};

export class AccountStore {
  constructor(private readonly sql: SqlStorage) {}

  row(): AccountRow | null {
    return this.sql.exec<AccountRow>("SELECT site, domain, hot_at, sequence, index_due FROM account").toArray()[0] ?? null;
  }

  create(site: string, domain: string): void {
    this.sql.exec("INSERT INTO account (singleton, site, domain) VALUES (1, ?, ?) ON CONFLICT DO NOTHING", site, domain);
  }

  /** The lead as its object reported it last. */
  putMember(member: MemberRow): void {
    this.sql.exec(
      `INSERT INTO members (lead_id, email, stage, score, last_seen) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (lead_id) DO UPDATE SET email = excluded.email, stage = excluded.stage, score = excluded.score,
         last_seen = excluded.last_seen`,
      member.lead_id, member.email, member.stage, member.score, member.last_seen,
    );
  }

  /** True when the lead was a member. */
  removeMember(leadId: string): boolean {
    return this.sql.exec("DELETE FROM members WHERE lead_id = ? RETURNING lead_id", leadId).toArray().length > 0;
  }

  /** The account's leads, highest score first. */
  members(): MemberRow[] {
    return this.sql.exec<MemberRow>("SELECT lead_id, email, stage, score, last_seen FROM members ORDER BY score DESC, lead_id").toArray();
  }

  setHot(at: number, sequence: number): void {
    this.sql.exec("UPDATE account SET hot_at = ?, sequence = ? WHERE singleton = 1", at, sequence);
  }

  setIndexDue(at: number | null): void {
    this.sql.exec("UPDATE account SET index_due = ? WHERE singleton = 1", at);
  }
}
