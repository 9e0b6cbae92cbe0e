/**
 * Accounts' deliveries in the delivery log (the lead index's `deliveries` table, with
 * migrations/0007_account_deliveries.sql): an account's account.hot messages live in its object's
 * outbox, and the object copies what changed there after each delivery run. The log lists them
 * with the leads' deliveries, each row saying whose it is, and a redelivery finds its way back.
 */
import type { DeliveryLogEntry } from "../../shared/api";
import type { IndexedDelivery } from "../lead-index";

/** Writes an account's changed deliveries; the newest state of each wins, as for a lead's. */
export async function pushAccountDeliveries(db: D1Database, site: string, domain: string, deliveries: readonly IndexedDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await db
    .prepare(
      `INSERT INTO deliveries (id, lead_id, endpoint, type, sequence, status, attempts, last_error, updated_at, account_site, account_domain)
       SELECT r.value->>'id', '', r.value->>'endpoint', r.value->>'type', r.value->>'sequence', r.value->>'status',
         r.value->>'attempts', r.value->>'last_error', r.value->>'updated_at', ?2, ?3
       FROM json_each(?1) r
       WHERE NOT EXISTS (SELECT 1 FROM erased_accounts e WHERE e.site = ?2 AND e.domain = ?3 AND e.at >= r.value->>'updated_at')
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         last_error = excluded.last_error, updated_at = excluded.updated_at
       WHERE excluded.updated_at >= deliveries.updated_at`,
    )
    .bind(JSON.stringify(deliveries), site, domain)
    .run();
}

type LogRow = Omit<DeliveryLogEntry, "updated_at" | "account"> & { updated_at: number; account_site: string | null; account_domain: string | null };

/** The webhook delivery log across leads and accounts, newest first. */
export async function deliveryLog(db: D1Database, status: string | undefined, limit: number): Promise<DeliveryLogEntry[]> {
  const { results } = await db
    .prepare(
      `SELECT id, lead_id, endpoint, type, sequence, status, attempts, last_error, updated_at, account_site, account_domain FROM deliveries
       ${status === undefined ? "" : "WHERE status = ?"} ORDER BY updated_at DESC LIMIT ?`,
    )
    .bind(...(status === undefined ? [] : [status]), limit)
    .all<LogRow>();
  return results.map(({ account_site, account_domain, ...row }): DeliveryLogEntry => ({
    ...row,
    updated_at: new Date(row.updated_at).toISOString(),
    account: account_site !== null && account_domain !== null ? { site: account_site, domain: account_domain } : null,
  }));
}

/** Whose delivery `id` is, for redelivery: a lead's (by id) or an account's; null when the log has no such delivery. */
export async function deliveryOwner(db: D1Database, id: string): Promise<{ lead: string } | { account: { site: string; domain: string } } | null> {
  const row = await db
    .prepare("SELECT lead_id, account_site, account_domain FROM deliveries WHERE id = ?")
    .bind(id)
    .first<{ lead_id: string; account_site: string | null; account_domain: string | null }>();
  if (!row) return null;
  return row.account_site !== null && row.account_domain !== null ? { account: { site: row.account_site, domain: row.account_domain } } : { lead: row.lead_id };
}
