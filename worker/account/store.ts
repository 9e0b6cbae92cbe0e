/**
 * Every SQL statement of an Account object (its outbox's are in webhooks/store.ts). Synchronous,
 * so a caller groups them in one `transactionSync`.
 */
import type { Stage } from "../config";
import type { AccountView } from "../../shared/api";

export type AccountRow = {
  site: string;
  domain: string;
  /** When the account last alerted account.hot; null when it never did. */
  hot_at: number | null;
  /** The account's alert counter (its alerts' `sequence`). */
  sequence: number;
  /**
   * When the listing is owed a summary written by the account itself (after an erasure, which
   * cannot wait for the index queue); null when none is.
   */
  index_due: number | null;
  /** Deliveries updated at or after this (ms) are not yet in the delivery log. */
  deliveries_copied_at: number;
};

/** An account.hot alert as it was sent, kept so an erasure can render its bodies again without the erased lead. */
export interface AccountAlert {
  sequence: number;
  at: number;
  account: AccountView;
  /** How many of its leads were active within the window, and their summed score. */
  active: { leads: number; score: number };
}

export type MemberRow = {
  lead_id: string;
  email: string;
  stage: Stage;
  score: number;
  last_seen: number;
};

/** A member with when its lead made the report kept (ms, the lead's clock). */
export type ReportedMember = MemberRow & { reported_at: number };

/** A lead that left the account (erased), and when: reports it made before then are refused. */
export type DepartedRow = { lead_id: string; at: number };

export class AccountStore {
  constructor(private readonly sql: SqlStorage) {}

  row(): AccountRow | null {
    return this.sql.exec<AccountRow>("SELECT site, domain, hot_at, sequence, index_due, deliveries_copied_at FROM account").toArray()[0] ?? null;
  }

  create(site: string, domain: string): void {
    this.sql.exec("INSERT INTO account (singleton, site, domain) VALUES (1, ?, ?) ON CONFLICT DO NOTHING", site, domain);
  }

  /** The lead as its object reported it last. */
  putMember(member: ReportedMember): void {
    this.sql.exec(
      `INSERT INTO members (lead_id, email, stage, score, last_seen, reported_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (lead_id) DO UPDATE SET email = excluded.email, stage = excluded.stage, score = excluded.score,
         last_seen = excluded.last_seen, reported_at = excluded.reported_at`,
      member.lead_id, member.email, member.stage, member.score, member.last_seen, member.reported_at,
    );
  }

  /** Whether a report the lead made at `at` is newer than the one kept and than the lead's leaving. */
  isNewer(leadId: string, at: number): boolean {
    const known = this.sql
      .exec<{ at: number | null }>(
        `SELECT max(coalesce((SELECT reported_at FROM members WHERE lead_id = ?1), 0),
                    coalesce((SELECT at FROM departed WHERE lead_id = ?1), 0)) AS at`,
        leadId,
      )
      .one().at;
    return at > (known ?? 0);
  }

  /** Remembers that the lead left at `at` (the latest time wins). */
  addDeparted(leadId: string, at: number): void {
    this.sql.exec("INSERT INTO departed (lead_id, at) VALUES (?, ?) ON CONFLICT (lead_id) DO UPDATE SET at = max(at, excluded.at)", leadId, at);
  }

  departed(): DepartedRow[] {
    return this.sql.exec<DepartedRow>("SELECT lead_id, at FROM departed").toArray();
  }

  /** True when the lead was a member. */
  removeMember(leadId: string): boolean {
    return this.sql.exec("DELETE FROM members WHERE lead_id = ? RETURNING lead_id", leadId).toArray().length > 0;
  }

  /** The account's leads, highest score first. */
  members(): MemberRow[] {
    return this.sql.exec<MemberRow>("SELECT lead_id, email, stage, score, last_seen FROM members ORDER BY score DESC, lead_id").toArray();
  }

  /** Keeps an account.hot alert as sent, or as it reads after an erasure (the latest wins). */
  putAlert(alert: AccountAlert): void {
    this.sql.exec(
      "INSERT INTO hot_alerts (sequence, alert) VALUES (?, ?) ON CONFLICT (sequence) DO UPDATE SET alert = excluded.alert",
      alert.sequence, JSON.stringify(alert),
    );
  }

  /** The account.hot alert with this sequence; null when none is kept (it predates migration 3, or named no one left). */
  alert(sequence: number): AccountAlert | null {
    const row = this.sql.exec<{ alert: string }>("SELECT alert FROM hot_alerts WHERE sequence = ?", sequence).toArray()[0];
    // Written only by putAlert, from an AccountAlert.
    return row ? (JSON.parse(row.alert) as AccountAlert) : null;
  }

  dropAlert(sequence: number): void {
    this.sql.exec("DELETE FROM hot_alerts WHERE sequence = ?", sequence);
  }

  /** The kept alerts whose leads include this one. */
  alertsNaming(leadId: string): AccountAlert[] {
    return this.sql
      .exec<{ alert: string }>(
        "SELECT alert FROM hot_alerts a WHERE EXISTS (SELECT 1 FROM json_each(a.alert, '$.account.leads') l WHERE l.value->>'id' = ?)",
        leadId,
      )
      .toArray()
      // Written only by putAlert, from an AccountAlert.
      .map((row) => JSON.parse(row.alert) as AccountAlert);
  }

  /** The emails the account knows the lead by: as a member, and as each kept alert lists it. */
  emailsOf(leadId: string): string[] {
    return this.sql
      .exec<{ email: string }>(
        `SELECT email FROM members WHERE lead_id = ?1
         UNION SELECT l.value->>'email' FROM hot_alerts a, json_each(a.alert, '$.account.leads') l WHERE l.value->>'id' = ?1`,
        leadId,
      )
      .toArray()
      .map((row) => row.email);
  }

  setHot(at: number, sequence: number): void {
    this.sql.exec("UPDATE account SET hot_at = ?, sequence = ? WHERE singleton = 1", at, sequence);
  }

  setIndexDue(at: number | null): void {
    this.sql.exec("UPDATE account SET index_due = ? WHERE singleton = 1", at);
  }

  setDeliveriesCopied(at: number): void {
    this.sql.exec("UPDATE account SET deliveries_copied_at = ? WHERE singleton = 1", at);
  }
}
