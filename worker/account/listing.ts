/**
 * Accounts in the lead index (D1, migrations/0005_accounts.sql): each Account object's summary,
 * pushed from its alarm, for GET /v1/accounts. The objects stay the truth.
 */
import type { AccountListItem, Stage } from "../../shared/api";
import { keysetQuery, pageOf, when } from "../paging";

/** An account's summary as its object pushes it; null `summary` when it has no lead left (its row goes). */
export interface AccountCopy {
  site: string;
  domain: string;
  summary: { leads: number; stages: Partial<Record<Stage, number>>; score: number; last_seen: number } | null;
}

export async function pushAccount(db: D1Database, copy: AccountCopy, now: number): Promise<void> {
  const { site, domain, summary } = copy;
  if (summary === null) {
    await db.prepare("DELETE FROM accounts WHERE site = ? AND domain = ?").bind(site, domain).run();
    return;
  }
  await db
    .prepare(
      `INSERT INTO accounts (site, domain, leads, stages, score, last_seen, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (site, domain) DO UPDATE SET leads = excluded.leads, stages = excluded.stages, score = excluded.score,
         last_seen = excluded.last_seen, updated_at = excluded.updated_at`,
    )
    .bind(site, domain, summary.leads, JSON.stringify(summary.stages), summary.score, summary.last_seen, now)
    .run();
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
    // The same domain may be an account on two sites: the cursor's key is site and domain together.
    key: "domain || ' ' || site",
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
