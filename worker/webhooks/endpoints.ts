/**
 * Endpoints disabled by a 410 Gone, shared by every lead: one table in the lead index (D1).
 *
 * A receiver that answers 410 asks never to be called again, by anyone, so the first Lead object
 * that hears it records it here and every other lead reads it before sending (once per alarm
 * run, see `deliverDue` in delivery.ts). Each lead still keeps its own record in its
 * `webhook_disabled` table, which is what delivery falls back to when the index cannot be read:
 * an index that is down never holds back an alert.
 *
 * A row is keyed by the endpoint id and names the URL that said 410: pointing the endpoint at a
 * new URL in the config enables it again, and so does a manual redelivery (`enableEndpoint`).
 */

/** One endpoint that said 410: its id, the URL it had then, when, and why (e.g. "410 Gone"). */
export interface DisabledEndpoint {
  endpoint: string;
  url: string;
  at: number;
  reason: string;
}

/**
 * Every endpoint disabled for all leads, by id: one query. Throws when the index is unreachable;
 * delivery then falls back to the lead's own record.
 *
 * @example
 * const off = await disabledEndpoints(env.LEAD_INDEX);
 * isDisabled(off, hook) // true: this endpoint at this URL answered 410
 */
export async function disabledEndpoints(db: D1Database): Promise<Map<string, DisabledEndpoint>> {
  const { results } = await db.prepare("SELECT endpoint, url, at, reason FROM disabled_endpoints").all<DisabledEndpoint>();
  return new Map(results.map((row) => [row.endpoint, row]));
}

/** Disables the endpoint at this URL for every lead (it answered 410 Gone). Throws when the index is unreachable. */
export async function disableEndpoint(db: D1Database, entry: DisabledEndpoint): Promise<void> {
  await db
    .prepare(
      `INSERT INTO disabled_endpoints (endpoint, url, at, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (endpoint) DO UPDATE SET url = excluded.url, at = excluded.at, reason = excluded.reason`,
    )
    .bind(entry.endpoint, entry.url, entry.at, entry.reason)
    .run();
}

/**
 * Enables the endpoint again for every lead: a manual redelivery is the operator saying the
 * receiver is back. Call it before the lead's own `redeliver`, so the lead's next alarm does not
 * read the endpoint as disabled. Throws when the index is unreachable (nothing changed then).
 *
 * @example
 * await enableEndpoint(this.env.LEAD_INDEX, "sales");
 */
export async function enableEndpoint(db: D1Database, endpoint: string): Promise<void> {
  await db.prepare("DELETE FROM disabled_endpoints WHERE endpoint = ?").bind(endpoint).run();
}

/** Whether the endpoint, at the URL the config gives it now, is disabled in `disabled`. */
export function isDisabled(disabled: ReadonlyMap<string, { url: string }>, hook: { id: string; url: string }): boolean {
  return disabled.get(hook.id)?.url === hook.url;
}

/** The log line of a message not sent because its endpoint is disabled. */
export function notSentLine(entry: Pick<DisabledEndpoint, "endpoint" | "at" | "reason">): string {
  return `not sent: endpoint "${entry.endpoint}" was disabled by ${entry.reason} at ${new Date(entry.at).toISOString()}`;
}
