/**
 * The webhook outbox of one lead, as named operations over the Lead object's SQLite storage
 * (the tables are created by the lead's migrations). Every statement of the outbox is here.
 *
 * - One row per alert and endpoint, written by `enqueue` in the same synchronous block as the
 *   stage change it announces: both are stored or neither is. Its body is rendered once, so every
 *   retry sends the same bytes under the same `webhook-id` (the row's id).
 * - `tries` counts attempts in the current run of the retry schedule (a redelivery restarts it);
 *   `next_at` is set only while pending. UNIQUE (endpoint, sequence): one alert per transition
 *   and endpoint, even if a caller enqueued the same transition twice.
 * - Every attempt is logged in `webhook_attempts`, numbered per message across redeliveries.
 * - `webhook_disabled` holds the endpoints that answered 410 to this lead, with the URL that
 *   said so: the lead's own record, used when the shared one (endpoints.ts) cannot be read.
 */
import type { Delivery, DeliveryAttempt, DeliveryStatus } from "../../shared/api";
import type { WebhookConfig, WebhookEventType } from "../config";
import type { DisabledEndpoint } from "./endpoints";
import { type Alert, renderBody } from "./payload";
import { messageId } from "./signing";

export interface OutboxRow extends Record<string, SqlStorageValue> {
  id: string;
  endpoint: string;
  type: string;
  sequence: number;
  format: string;
  body: string;
  status: DeliveryStatus;
  tries: number;
  next_at: number | null;
  created_at: number;
  updated_at: number;
}

const OUTBOX_COLUMNS = "id, endpoint, type, sequence, format, body, status, tries, next_at, created_at, updated_at";

interface AttemptRow extends Record<string, SqlStorageValue> {
  delivery_id: string;
  attempt: number;
  at: number;
  status: number | null;
  duration_ms: number;
  error: string | null;
}

export interface ListOptions {
  status?: DeliveryStatus;
  /** Newest first, at most this many (default all). */
  limit?: number;
  /** Include each message's body, parsed. */
  body?: boolean;
  /** Only messages updated at or after this time (ms). */
  updatedSince?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class OutboxStore {
  /**
   * `nextDue` as last read; undefined when it must be read again. A lead arms its alarm on every
   * batch, and asking SQLite each time cost a statement per request for an outbox that is empty
   * for most leads. Every write here drops it, and so must whatever changes the tables behind
   * this store's back (a rolled-back transaction, a deleteAll): `forget`.
   */
  private due: number | null | undefined = undefined;

  constructor(private readonly sql: SqlStorage) {}

  /** Forgets what was read (see `due`): after a rollback or a deleteAll. */
  forget(): void {
    this.due = undefined;
  }

  /** Every statement that changes the outbox goes through here, so `nextDue` never answers a stale time. */
  private write(query: string, ...binds: SqlStorageValue[]): void {
    this.due = undefined;
    this.sql.exec(query, ...binds);
  }

  /**
   * Writes one row per alert and endpoint whose `events` list its type. Call it in the same
   * synchronous block as the stage change (no await in between).
   *
   * @example
   * outbox.enqueue(config.webhooks, alerts, now);
   * lead.arm(); // the alarm now points at outbox.nextDue() at the latest
   */
  enqueue(webhooks: readonly WebhookConfig[], alerts: readonly Alert[], now: number): void {
    for (const alert of alerts) this.enqueueMessage(webhooks, alert, (format) => renderBody(alert, format), now);
  }

  /**
   * Writes one row per endpoint whose `events` list the message's type, with the body `render`
   * gives for the endpoint's format: any alert, a lead's or an account's.
   */
  enqueueMessage(
    webhooks: readonly WebhookConfig[],
    message: { type: WebhookEventType; sequence: number },
    render: (format: WebhookConfig["format"]) => string,
    now: number,
  ): void {
    const bodies = new Map<string, string>();
    for (const hook of webhooks) {
      if (!hook.events.includes(message.type)) continue;
      const body = bodies.get(hook.format) ?? render(hook.format);
      bodies.set(hook.format, body);
      // Pending even for an endpoint that said 410 Gone: whether it still is disabled is known
      // only at delivery (another lead's redelivery may have enabled it), and there the row is
      // marked disabled, with a log line that says since when, and is kept for a redelivery.
      this.write(
        `INSERT INTO webhook_outbox (id, endpoint, type, sequence, format, body, status, tries, next_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (endpoint, sequence) DO NOTHING`,
        messageId(), hook.id, message.type, message.sequence, hook.format, body, now, now, now,
      );
    }
  }

  /**
   * When delivery should next run: the earliest `next_at` among the messages first in line for
   * their endpoint (a message behind a retrying one is not due before it), or null when nothing
   * is pending.
   */
  nextDue(): number | null {
    if (this.due !== undefined) return this.due;
    this.due = this.sql
      .exec<{ due: number | null }>(
        `SELECT min(o.next_at) AS due FROM webhook_outbox o
         WHERE o.status = 'pending' AND NOT EXISTS (
           SELECT 1 FROM webhook_outbox e
           WHERE e.status = 'pending' AND e.endpoint = o.endpoint AND e.sequence < o.sequence)`,
      )
      .one().due;
    return this.due;
  }

  pendingEndpoints(): string[] {
    return this.sql
      .exec<{ endpoint: string }>("SELECT DISTINCT endpoint FROM webhook_outbox WHERE status = 'pending'")
      .toArray()
      .map((row) => row.endpoint);
  }

  /** The endpoint's pending message that goes first (lowest sequence), if any. */
  head(endpoint: string): OutboxRow | undefined {
    return this.sql
      .exec<OutboxRow>(
        `SELECT ${OUTBOX_COLUMNS} FROM webhook_outbox WHERE status = 'pending' AND endpoint = ? ORDER BY sequence LIMIT 1`,
        endpoint,
      )
      .toArray()[0];
  }

  logAttempt(id: string, at: number, status: number | null, durationMs: number, error: string | null): void {
    this.write(
      `INSERT INTO webhook_attempts (delivery_id, attempt, at, status, duration_ms, error)
       VALUES (?, (SELECT coalesce(max(attempt), 0) + 1 FROM webhook_attempts WHERE delivery_id = ?), ?, ?, ?, ?)`,
      id, id, at, status, durationMs, error,
    );
  }

  /** Still pending: the next attempt at `nextAt`, or held with its count when `nextAt` is null (a 410 stops it next). */
  retryAt(id: string, tries: number, nextAt: number | null, at: number): void {
    if (nextAt === null) this.write("UPDATE webhook_outbox SET tries = ? WHERE id = ?", tries, id);
    else this.write("UPDATE webhook_outbox SET tries = ?, next_at = ?, updated_at = ? WHERE id = ?", tries, nextAt, at, id);
  }

  settle(id: string, status: "delivered" | "failed", tries: number, at: number): void {
    this.write("UPDATE webhook_outbox SET status = ?, tries = ?, next_at = NULL, updated_at = ? WHERE id = ?", status, tries, at, id);
  }

  /** This lead's own record of the endpoints that answered 410. */
  disabledHere(): Map<string, DisabledEndpoint> {
    const rows = this.sql
      .exec<DisabledEndpoint & Record<string, SqlStorageValue>>("SELECT endpoint, url, at, reason FROM webhook_disabled")
      .toArray();
    return new Map(rows.map((row) => [row.endpoint, { endpoint: row.endpoint, url: row.url, at: row.at, reason: row.reason }]));
  }

  recordDisabled(entry: DisabledEndpoint): void {
    this.write(
      `INSERT INTO webhook_disabled (endpoint, url, at, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (endpoint) DO UPDATE SET url = excluded.url, at = excluded.at, reason = excluded.reason`,
      entry.endpoint, entry.url, entry.at, entry.reason,
    );
  }

  clearDisabled(endpoint: string): void {
    this.write("DELETE FROM webhook_disabled WHERE endpoint = ?", endpoint);
  }

  /** Marks every pending message to the endpoint disabled, each but `except` with a log line saying why. */
  stopEndpoint(endpoint: string, line: string, at: number, except?: string): void {
    const pending = this.sql.exec<{ id: string }>("SELECT id FROM webhook_outbox WHERE endpoint = ? AND status = 'pending'", endpoint).toArray();
    for (const { id } of pending) if (id !== except) this.logAttempt(id, at, null, 0, line);
    this.write(
      "UPDATE webhook_outbox SET status = 'disabled', next_at = NULL, updated_at = ? WHERE endpoint = ? AND status = 'pending'",
      at, endpoint,
    );
  }

  /** The endpoint a message goes to, or null when there is no such message. */
  endpointOf(id: string): string | null {
    return this.sql.exec<{ endpoint: string }>("SELECT endpoint FROM webhook_outbox WHERE id = ?", id).toArray()[0]?.endpoint ?? null;
  }

  /**
   * Sends a message again from the first step of the schedule, whatever became of it (failed,
   * disabled, even delivered: receivers dedupe on its unchanged `webhook-id`), and forgets this
   * lead's 410 record of its endpoint. False when there is no such message. For every lead, the
   * caller first enables the endpoint in the shared record (endpoints.ts `enableEndpoint`).
   */
  redeliver(id: string, now: number): boolean {
    const endpoint = this.endpointOf(id);
    if (endpoint === null) return false;
    this.clearDisabled(endpoint);
    this.write("UPDATE webhook_outbox SET status = 'pending', tries = 0, next_at = ?, updated_at = ? WHERE id = ?", now, now, id);
    return true;
  }

  /**
   * Every message whose body contains one of `needles` gets the body `render` gives for it, under
   * the same id (a receiver still dedupes on its `webhook-id`), or is deleted with its attempts
   * when `render` gives null. Answers the ids deleted. For an erasure: no stored body may still
   * name the erased person.
   */
  rewriteNaming(needles: readonly string[], render: (message: OutboxRow) => string | null): string[] {
    const found = this.sql
      .exec<OutboxRow>(
        `SELECT ${OUTBOX_COLUMNS} FROM webhook_outbox o
         WHERE EXISTS (SELECT 1 FROM json_each(?) n WHERE n.value <> '' AND instr(o.body, n.value) > 0)`,
        JSON.stringify(needles),
      )
      .toArray();
    const deleted: string[] = [];
    for (const message of found) {
      const body = render(message);
      if (body !== null) {
        this.write("UPDATE webhook_outbox SET body = ? WHERE id = ?", body, message.id);
        continue;
      }
      this.write("DELETE FROM webhook_attempts WHERE delivery_id = ?", message.id);
      this.write("DELETE FROM webhook_outbox WHERE id = ?", message.id);
      deleted.push(message.id);
    }
    return deleted;
  }

  /**
   * This lead's deliveries with their attempts, newest first.
   *
   * @example
   * outbox.list({ status: "failed" }) // [{ id: "msg_…", status: "failed", attempts: [{ attempt: 1, status: 503, … }, …] }]
   */
  list(options: ListOptions = {}): Delivery[] {
    const rows = this.sql
      .exec<OutboxRow>(
        `SELECT ${OUTBOX_COLUMNS} FROM webhook_outbox WHERE (?1 IS NULL OR status = ?1) AND updated_at >= ?3
         ORDER BY sequence DESC, created_at DESC, endpoint LIMIT ?2`,
        options.status ?? null,
        options.limit ?? -1,
        options.updatedSince ?? 0,
      )
      .toArray();
    const attempts = new Map<string, DeliveryAttempt[]>();
    if (rows.length) {
      const wanted = new Set(rows.map((r) => r.id));
      for (const a of this.sql.exec<AttemptRow>(
        "SELECT delivery_id, attempt, at, status, duration_ms, error FROM webhook_attempts ORDER BY delivery_id, attempt",
      )) {
        if (!wanted.has(a.delivery_id)) continue;
        const list = attempts.get(a.delivery_id) ?? [];
        list.push({ attempt: a.attempt, at: iso(a.at), status: a.status, duration_ms: a.duration_ms, error: a.error });
        attempts.set(a.delivery_id, list);
      }
    }
    return rows.map((r) => ({
      id: r.id,
      endpoint: r.endpoint,
      type: r.type,
      sequence: r.sequence,
      format: r.format,
      status: r.status,
      created_at: iso(r.created_at),
      updated_at: iso(r.updated_at),
      next_attempt_at: r.status === "pending" && r.next_at !== null ? iso(r.next_at) : null,
      attempts: attempts.get(r.id) ?? [],
      ...(options.body && { body: JSON.parse(r.body) as unknown }),
    }));
  }
}
