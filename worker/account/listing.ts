/**
 * Accounts in the lead index (D1, migrations/0005_accounts.sql and 0008): each Account object's summary,
 * for GET /v1/accounts. The index queue's consumer writes the summaries of a whole batch's
 * accounts at once (index-queue.ts); an account writes its own after an erasure. The objects
 * stay the truth.
 */
import type { AccountListItem } from "../../shared/api";
import { keysetQuery, pageOf, when } from "../paging";
import type { AccountSummary } from "./report";

/** An account's summary as its object made it. */
export interface AccountCopy {
  site: string;
  domain: string;
  summary: AccountSummary;
}

/**
 * Writes many accounts' summaries in one statement. A summary older than the row's, or made
 * before its account was erased whole (`eraseAccount`), changes nothing: the consumer may write
 * late, or twice.
 */
export async function pushAccount(db: D1Database, copies: readonly AccountCopy[]): Promise<void> {
  if (copies.length === 0) return;
  const rows = copies.map(({ site, domain, summary }) => ({ site, domain, ...summary, stages: JSON.stringify(summary.stages) }));
  await db
    .prepare(
      `INSERT INTO accounts (site, domain, leads, stages, score, last_seen, updated_at)
       SELECT r.value->>'site', r.value->>'domain', r.value->>'leads', r.value->>'stages', r.value->>'score', r.value->>'last_seen',
         r.value->>'at'
       FROM json_each(?) r
       WHERE NOT EXISTS (SELECT 1 FROM erased_accounts e WHERE e.site = r.value->>'site' AND e.domain = r.value->>'domain' AND e.at >= r.value->>'at')
       ON CONFLICT (site, domain) DO UPDATE SET leads = excluded.leads, stages = excluded.stages, score = excluded.score,
         last_seen = excluded.last_seen, updated_at = excluded.updated_at
       WHERE excluded.updated_at >= accounts.updated_at`,
    )
    .bind(JSON.stringify(rows))
    .run();
}

/** Removes an account whose last lead was erased (its row and its deliveries), and remembers when. */
export async function eraseAccount(db: D1Database, site: string, domain: string, at: number): Promise<void> {
  await db.batch([
    db
      .prepare("INSERT INTO erased_accounts (site, domain, at) VALUES (?, ?, ?) ON CONFLICT (site, domain) DO UPDATE SET at = max(at, excluded.at)")
      .bind(site, domain, at),
    db.prepare("DELETE FROM accounts WHERE site = ? AND domain = ?").bind(site, domain),
    db.prepare("DELETE FROM deliveries WHERE account_site = ? AND account_domain = ?").bind(site, domain),
  ]);
}

export interface AccountFilter {
  site?: string;
  min_score?: number;
  limit: number;
  cursor?: string;
}

type AccountIndexRow = Omit<AccountListItem, "stages" | "last_seen"> & { stages: string; last_seen: number };

/** Accounts by summed score, highest first; `next_cursor` continues after the last one. */
export async function listAccounts(db: D1Database, filter: AccountFilter): Promise<{ accounts: AccountListItem[]; next_cursor: string | null }> {
  const { sql, binds } = keysetQuery({
    // The same domain may be an account on two sites: ties go by domain, then site. A domain
    // holds no space, so the cursor's key "domain site" splits back into both (see Keyset).
    key: ["domain", "site"],
    conditions: [when(filter.site, "site = ?"), when(filter.min_score, "score >= ?")],
    cursor: filter.cursor,
    limit: filter.limit,
  });
  const { results } = await db
    .prepare(`SELECT site, domain, leads, stages, score, last_seen FROM accounts ${sql}`)
    .bind(...binds)
    .all<AccountIndexRow>();
  const { page, next_cursor } = pageOf(results, filter.limit, (row) => `${row.domain} ${row.site}`);
  return {
    accounts: page.map((row) => ({
      ...row,
      stages: JSON.parse(row.stages) as AccountListItem["stages"],
      last_seen: new Date(row.last_seen).toISOString(),
    })),
    next_cursor,
  };
}
