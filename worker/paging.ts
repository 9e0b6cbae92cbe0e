/**
 * Keyset paging for the index's listings (leads, accounts): rows by score, highest first, ties
 * by a text key; a page's cursor is its last row's score and key. A page deep in the list costs
 * what the first one does, and a row that moves while someone pages is seen at most once.
 * Pure: builds SQL text and parameters, runs nothing.
 */

/** A cursor: the last row's score and key, opaque to clients. */
export const encodeCursor = (score: number, key: string) => btoa(JSON.stringify([score, key])).replace(/=+$/, "");

/** Reads a cursor this module wrote, or null when it is not one. */
export function decodeCursor(cursor: string): [number, string] | null {
  try {
    const value: unknown = JSON.parse(atob(cursor));
    if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string") return [value[0], value[1]];
  } catch {
    // fall through: not a cursor of ours
  }
  return null;
}

/** A filter's SQL condition and its parameters, or nothing when the filter was not asked for. */
export type Condition = readonly [sql: string, ...binds: unknown[]] | undefined;

/** The filter `sql` with `value`, when a value was given. */
export const when = (value: unknown, sql: string, binds: readonly unknown[] = [value]): Condition =>
  value === undefined ? undefined : [sql, ...binds];

export interface Keyset {
  /** The SQL expression that orders ties (`id`, or `domain || ' ' || site`). */
  key: string;
  conditions: readonly Condition[];
  cursor: string | undefined;
  limit: number;
}

/**
 * `WHERE … ORDER BY … LIMIT ?` for a page and its parameters. One row more than the page is
 * asked for: its presence says there is a next page (see `pageOf`).
 */
export function keysetQuery({ key, conditions, cursor, limit }: Keyset): { sql: string; binds: unknown[] } {
  const after = cursor === undefined ? null : decodeCursor(cursor);
  const all = [...conditions, after ? ([`(score < ? OR (score = ? AND ${key} > ?))`, after[0], after[0], after[1]] as const) : undefined];
  const where: string[] = [];
  const binds: unknown[] = [];
  for (const condition of all) {
    if (condition === undefined) continue;
    const [sql, ...values] = condition;
    where.push(sql);
    binds.push(...values);
  }
  return {
    sql: `${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY score DESC, ${key} LIMIT ?`,
    binds: [...binds, limit + 1],
  };
}

/** The page of the rows `keysetQuery` read, and the cursor after its last row (null on the last page). */
export function pageOf<R extends { score: number }>(rows: readonly R[], limit: number, keyOf: (row: R) => string): { page: R[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next_cursor: rows.length > limit && last ? encodeCursor(last.score, keyOf(last)) : null };
}

