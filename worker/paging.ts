/**
 * Keyset paging for the index's listings (leads, accounts, deliveries): rows by score, highest
 * first, ties by text columns; a page's cursor is its last row's score and key. The condition
 * after a cursor starts with `score <= ?`, a bound SQLite's planner can seek to in an index
 * ordered by score (the OR that follows it alone cannot bound a range: it would walk every row
 * of the pages before), so a page deep in the list costs what the first one does when an index
 * orders the listing's rows (score DESC, then its tie columns). A row that moves while someone
 * pages is seen at most once. Pure: builds SQL text and parameters, runs nothing.
 */
import * as z from "zod";


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

/** A `cursor=` parameter: one this module wrote (see `decodeCursor`). */
export const Cursor = z
  .string()
  .max(400)
  .refine((cursor) => decodeCursor(cursor) !== null, "cursor is not one this API gave out");

/** A filter's SQL condition and its parameters, or nothing when the filter was not asked for. */
export type Condition = readonly [sql: string, ...binds: unknown[]] | undefined;

/** The filter `sql` with `value`, when a value was given. */
export const when = (value: unknown, sql: string, binds: readonly unknown[] = [value]): Condition =>
  value === undefined ? undefined : [sql, ...binds];

export interface Keyset {
  /**
   * The columns that order ties, in order (`id`, or `domain` then `site`). The cursor's key is
   * their values joined by spaces (see `pageOf`'s `keyOf`), so no column but the last may hold one.
   */
  key: string | readonly string[];
  conditions: readonly Condition[];
  cursor: string | undefined;
  limit: number;
}

/**
 * `WHERE … ORDER BY … LIMIT ?` for a page and its parameters. One row more than the page is
 * asked for: its presence says there is a next page (see `pageOf`).
 */
export function keysetQuery({ key, conditions, cursor, limit }: Keyset): { sql: string; binds: unknown[] } {
  const columns = typeof key === "string" ? [key] : key;
  const after = cursor === undefined ? null : decodeCursor(cursor);
  let next: Condition;
  if (after) {
    const [score, text] = after;
    const words = text.split(" ");
    const values = [...words.slice(0, columns.length - 1), words.slice(columns.length - 1).join(" ")];
    const [ties, ...tieBinds] = tiesAfter(columns, values);
    next = [`score <= ? AND (score < ? OR (score = ? AND ${ties}))`, score, score, score, ...tieBinds];
  }
  const all = [...conditions, next];
  const where: string[] = [];
  const binds: unknown[] = [];
  for (const condition of all) {
    if (condition === undefined) continue;
    const [sql, ...values] = condition;
    where.push(sql);
    binds.push(...values);
  }
  return {
    sql: `${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY score DESC, ${columns.join(", ")} LIMIT ?`,
    binds: [...binds, limit + 1],
  };
}

/** Rows whose tie columns come after `values`: `a > ?`, or `(a > ? OR (a = ? AND b > ?))` and so on. */
function tiesAfter(columns: readonly string[], values: readonly string[]): [string, ...string[]] {
  const [column, ...others] = columns;
  const [value = "", ...rest] = values;
  if (others.length === 0) return [`${column} > ?`, value];
  const [sql, ...binds] = tiesAfter(others, rest);
  return [`(${column} > ? OR (${column} = ? AND ${sql}))`, value, value, ...binds];
}

/** The page of the rows `keysetQuery` read, and the cursor after its last row (null on the last page). */
export function pageOf<R extends { score: number }>(rows: readonly R[], limit: number, keyOf: (row: R) => string): { page: R[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next_cursor: rows.length > limit && last ? encodeCursor(last.score, keyOf(last)) : null };
}

