/**
 * Accounts' deliveries in the delivery log (the lead index's `deliveries` table, with
 * migrations/0007_account_deliveries.sql): an account's account.hot messages live in its object's
 * outbox, and the object copies what changed there after each delivery run. The log lists them
 * with the leads' deliveries, each row saying whose it is, and a redelivery finds its way back.
 */
import type { DeliveryLogEntry } from "../../shared/api";
import type { IndexedDelivery } from "../lead-index";
import { keysetQuery, pageOf, when } from "../paging";

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

/** Removes deliveries the account deleted (they named an erased lead): a redelivery of one then finds none. */
export async function dropAccountDeliveries(db: D1Database, site: string, domain: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare("DELETE FROM deliveries WHERE account_site = ? AND account_domain = ? AND id IN (SELECT value FROM json_each(?))")
    .bind(site, domain, JSON.stringify(ids))
    .run();
}

type LogRow = Omit<DeliveryLogEntry, "updated_at" | "account"> & { score: number; account_site: string | null; account_domain: string | null };

/**
 * The webhook delivery log across leads and accounts, newest first, a page at a time: the
 * cursor is the last row's update time and id (paging.ts, with the time in the score's place).
 */
export async function deliveryLog(
  db: D1Database,
  filter: { status: string | undefined; limit: number; cursor: string | undefined },
): Promise<{ deliveries: DeliveryLogEntry[]; next_cursor: string | null }> {
  const { sql, binds } = keysetQuery({ key: "id", conditions: [when(filter.status, "status = ?")], cursor: filter.cursor, limit: filter.limit });
  const { results } = await db
    .prepare(
      `SELECT * FROM (SELECT id, lead_id, endpoint, type, sequence, status, attempts, last_error, updated_at AS score, account_site, account_domain
       FROM deliveries) ${sql}`,
    )
    .bind(...binds)
    .all<LogRow>();
  const { page, next_cursor } = pageOf(results, filter.limit, (row) => row.id);
  return {
    deliveries: page.map(({ account_site, account_domain, score, ...row }): DeliveryLogEntry => ({
      ...row,
      updated_at: new Date(score).toISOString(),
      account: account_site !== null && account_domain !== null ? { site: account_site, domain: account_domain } : null,
    })),
    next_cursor,
  };
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
