/**
 * The webhook outbox of one lead: rows written in the same transaction as the stage change
 * they announce, delivered later from the Lead object's alarm, every attempt logged.
 *
 * The Lead object owns the storage and the alarm; this module owns the tables and the rules:
 *
 * - `enqueueAlerts` (synchronous, so it lands in the caller's transaction) writes one row per
 *   alert and endpoint that lists the alert's type, its body rendered once so every retry sends
 *   the same bytes under the same `webhook-id`.
 * - `deliverDue` (from the alarm) sends what is due, in `sequence` order per endpoint: a later
 *   alert waits while an earlier one to the same endpoint is still being retried, so a receiver
 *   never sees SQL before the MQL it follows. It returns when the alarm should fire next.
 * - Delivery is at-least-once: a crash between the send and its log line sends again with the
 *   same `webhook-id`, which receivers dedupe on.
 * - A 410 Gone disables the endpoint for every lead: it is recorded in the lead index (see
 *   endpoints.ts) as well as in this lead's `webhook_disabled`, and `deliverDue` reads the
 *   shared record once per run before sending. Whether an endpoint is disabled is decided there,
 *   at delivery, not when a message is written, so that enabling it again (a redelivery, a new
 *   URL) reaches the messages every lead has waiting. When the index cannot be read, the lead's
 *   own record decides: alerts never wait for the index.
 */
import type { WebhookConfig } from "../config";
import { type DisabledEndpoint, disableEndpoint as disableEverywhere, disabledEndpoints as disabledEverywhere, isDisabled, notSentLine } from "./endpoints";
import { type Alert, renderBody } from "./payload";
import { nextAttemptAt, parseRetryAfter, retryScale } from "./schedule";
import { SecretError, messageId, parseSecrets, signatureHeader } from "./signing";
import { checkWebhookUrl } from "./ssrf";

export type { Alert } from "./payload";

/** Per attempt, as the Standard Webhooks recommendations ask. */
export const ATTEMPT_TIMEOUT_MS = 15_000;
/** Attempts per endpoint in one alarm run; the rest continue in the next run, so an alarm stays short. */
const ATTEMPTS_PER_RUN = 25;
/** How long delivery waits for the lead index's list of disabled endpoints (or a 410's record in it). */
export const SHARED_STATE_TIMEOUT_MS = 5_000;
/** How much of a failing receiver's answer is kept in the log. */
const ERROR_SNIPPET_BYTES = 300;
export const USER_AGENT = "Leadlight-Webhooks/1";

export const DELIVERY_STATUSES = ["pending", "delivered", "failed", "disabled"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Tables of the outbox, run by the Lead object's migrations with its own tables. */
export const OUTBOX_SCHEMA: string[] = [
  // One row per message and endpoint. `id` is the webhook-id, kept across retries. `tries`
  // counts attempts in the current run of the retry schedule (a manual redelivery restarts it);
  // `next_at` is set only while pending. UNIQUE: one alert per transition and endpoint, even if
  // a caller enqueued the same transition twice.
  `CREATE TABLE IF NOT EXISTS webhook_outbox (
     id         TEXT PRIMARY KEY,
     endpoint   TEXT NOT NULL,
     type       TEXT NOT NULL,
     sequence   INTEGER NOT NULL,
     format     TEXT NOT NULL,
     body       TEXT NOT NULL,
     status     TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'disabled')),
     tries      INTEGER NOT NULL DEFAULT 0,
     next_at    INTEGER,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     UNIQUE (endpoint, sequence)
   )`,
  `CREATE INDEX IF NOT EXISTS webhook_outbox_by_status ON webhook_outbox (status, endpoint, sequence)`,
  // Every attempt, numbered per message across redeliveries. `status` is null when no HTTP
  // answer came (timeout, network error, refused URL, missing secret).
  `CREATE TABLE IF NOT EXISTS webhook_attempts (
     delivery_id TEXT NOT NULL,
     attempt     INTEGER NOT NULL,
     at          INTEGER NOT NULL,
     status      INTEGER,
     duration_ms INTEGER NOT NULL,
     error       TEXT,
     PRIMARY KEY (delivery_id, attempt)
   )`,
  // Endpoints that answered 410 Gone to this lead. Keyed with the URL that said so: pointing
  // the endpoint at a new URL in the config enables it again. The record shared by all leads is
  // in the lead index (endpoints.ts); this one is the lead's own, used when the index is down.
  `CREATE TABLE IF NOT EXISTS webhook_disabled (
     endpoint TEXT PRIMARY KEY,
     url      TEXT NOT NULL,
     at       INTEGER NOT NULL,
     reason   TEXT NOT NULL
   )`,
];

/** What delivery reads from the Worker's environment (`Env` satisfies it). */
export interface DeliveryEnv {
  /** "true": loopback URLs are allowed (local development; see ssrf.ts). */
  LEADLIGHT_DEV?: string;
  /** Multiplier of the retry delays (see schedule.ts). */
  LEADLIGHT_RETRY_SCALE?: string;
  /** The lead index, holding the endpoints disabled for every lead. Unset: each lead's own 410s only. */
  LEAD_INDEX?: D1Database;
  /** Signing secrets, by each endpoint's `secret_env`. */
  [secret: string]: unknown;
}

interface OutboxRow extends Record<string, SqlStorageValue> {
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

/**
 * Writes the outbox rows for these alerts: one per alert and endpoint whose `events` list its
 * type. Call it in the same synchronous block as the stage change (no await in between), so
 * both are stored or neither is. Returns when the alarm should fire (see `nextDue`).
 *
 * @example
 * const due = enqueueAlerts(this.ctx.storage.sql, config.webhooks, alerts, now);
 * if (due !== null) await armAlarm(this.ctx.storage, due);
 */
export function enqueueAlerts(sql: SqlStorage, webhooks: readonly WebhookConfig[], alerts: readonly Alert[], now: number): number | null {
  for (const alert of alerts) {
    const bodies = new Map<string, string>();
    for (const hook of webhooks) {
      if (!hook.events.includes(alert.type)) continue;
      const body = bodies.get(hook.format) ?? renderBody(alert, hook.format);
      bodies.set(hook.format, body);
      // Pending even for an endpoint that said 410 Gone: whether it still is disabled is known
      // only at delivery (another lead's redelivery may have enabled it), and there the row is
      // marked disabled, with a log line that says since when, and is kept for a redelivery.
      sql.exec(
        `INSERT INTO webhook_outbox (id, endpoint, type, sequence, format, body, status, tries, next_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (endpoint, sequence) DO NOTHING`,
        messageId(), hook.id, alert.type, alert.sequence, hook.format, body, now, now, now,
      );
    }
  }
  return nextDue(sql);
}

/**
 * When the alarm should next fire for the outbox: the earliest `next_at` among the messages
 * first in line for their endpoint (a message behind a retrying one is not due before it), or
 * null when nothing is pending.
 */
export function nextDue(sql: SqlStorage): number | null {
  return sql
    .exec<{ due: number | null }>(
      `SELECT min(o.next_at) AS due FROM webhook_outbox o
       WHERE o.status = 'pending' AND NOT EXISTS (
         SELECT 1 FROM webhook_outbox e
         WHERE e.status = 'pending' AND e.endpoint = o.endpoint AND e.sequence < o.sequence)`,
    )
    .one().due;
}

/**
 * Points the object's one alarm at `due` unless it already fires sooner. Inside `alarm()` the
 * running alarm reads as none, so this also re-arms from there.
 *
 * @example
 * const next = await deliverDue(this.ctx.storage.sql, this.env, config.webhooks, Date.now());
 * if (next !== null) await armAlarm(this.ctx.storage, next);
 */
export async function armAlarm(storage: DurableObjectStorage, due: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > due) await storage.setAlarm(due);
}

type Outcome = "delivered" | "retry" | "failed" | "disabled";

/**
 * Sends every message that is due at `now`, endpoints side by side, each endpoint's messages in
 * sequence order, and logs each attempt. Before sending it reads which endpoints are disabled
 * (one query to `env.LEAD_INDEX` per run; this lead's own record when that fails or is unset):
 * their pending messages are marked disabled instead. Returns when to run again, or null when
 * nothing is pending. Call it from the Lead object's `alarm()`.
 */
export async function deliverDue(sql: SqlStorage, env: DeliveryEnv, webhooks: readonly WebhookConfig[], now: number): Promise<number | null> {
  // Nothing due (the alarm ran for other work): nothing to send, no need to ask the index.
  const due = nextDue(sql);
  if (due === null || due > now) return due;
  // `now` may be a test's virtual time; real time spent in requests is added to it.
  const started = Date.now();
  const clock = () => now + (Date.now() - started);
  const context: DeliveryContext = {
    sql,
    env,
    webhooks,
    clock,
    scale: retryScale(env.LEADLIGHT_RETRY_SCALE),
    allowLoopback: env.LEADLIGHT_DEV === "true",
    disabled: await readDisabled(sql, env.LEAD_INDEX),
  };
  const endpoints = sql
    .exec<{ endpoint: string }>("SELECT DISTINCT endpoint FROM webhook_outbox WHERE status = 'pending'")
    .toArray()
    .map((row) => row.endpoint);
  await Promise.all(endpoints.map((endpoint) => drainEndpoint(context, endpoint)));
  return nextDue(sql);
}

interface DeliveryContext {
  sql: SqlStorage;
  env: DeliveryEnv;
  webhooks: readonly WebhookConfig[];
  clock: () => number;
  scale: number;
  allowLoopback: boolean;
  /** The endpoints disabled when this run started: every lead's record, or this lead's own. */
  disabled: ReadonlyMap<string, DisabledEndpoint>;
}

/**
 * The endpoints disabled for every lead, from the lead index; this lead's own record when there
 * is no index or it does not answer (in time): an index that is down never holds back an alert.
 */
async function readDisabled(sql: SqlStorage, db: D1Database | undefined): Promise<ReadonlyMap<string, DisabledEndpoint>> {
  if (db) {
    try {
      return await withTimeout(disabledEverywhere(db), SHARED_STATE_TIMEOUT_MS);
    } catch (error) {
      console.error("webhooks: cannot read the disabled endpoints from the lead index; using this lead's own record", error);
    }
  }
  const rows = sql.exec<DisabledEndpoint & Record<string, SqlStorageValue>>("SELECT endpoint, url, at, reason FROM webhook_disabled").toArray();
  return new Map(rows.map((row) => [row.endpoint, { endpoint: row.endpoint, url: row.url, at: row.at, reason: row.reason }]));
}

/** Rejects when `promise` has not settled after `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function drainEndpoint(context: DeliveryContext, endpoint: string): Promise<void> {
  const hook = context.webhooks.find((h) => h.id === endpoint);
  const off = hook && isDisabled(context.disabled, hook) ? context.disabled.get(endpoint) : undefined;
  if (off) {
    stopEndpoint(context.sql, endpoint, notSentLine(off), context.clock());
    return;
  }
  for (let budget = ATTEMPTS_PER_RUN; budget > 0; budget--) {
    // Re-read each time: an ingest during the await may have added a message behind this one.
    const head = context.sql
      .exec<OutboxRow>(
        `SELECT ${OUTBOX_COLUMNS} FROM webhook_outbox WHERE status = 'pending' AND endpoint = ? ORDER BY sequence LIMIT 1`,
        endpoint,
      )
      .toArray()[0];
    if (!head || (head.next_at ?? 0) > context.clock()) return;
    const outcome = await attempt(context, head);
    // A retrying message holds back the ones after it; a settled one lets the next go now. After
    // a 410, a message written meanwhile waits for the next run, which reads the endpoint as disabled.
    if (outcome === "retry" || outcome === "disabled") return;
  }
}

interface AttemptResult {
  status: number | null;
  error: string | null;
  retryAfter: string | null;
}

async function attempt(context: DeliveryContext, row: OutboxRow): Promise<Outcome> {
  const { sql, env, clock } = context;
  const hook = context.webhooks.find((h) => h.id === row.endpoint);
  const tries = row.tries + 1;
  const startedAt = clock();
  const log = (result: AttemptResult, durationMs: number) => logAttempt(sql, row.id, startedAt, result.status, durationMs, result.error);

  if (!hook) {
    log({ status: null, error: `endpoint "${row.endpoint}" is no longer in the config`, retryAfter: null }, 0);
    return settle(sql, row, "failed", tries, clock());
  }
  // Refused URLs never pass later: failed at once, not retried.
  const refusal = checkWebhookUrl(hook.url, { allowLoopback: context.allowLoopback });
  if (refusal) {
    log({ status: null, error: refusal, retryAfter: null }, 0);
    return settle(sql, row, "failed", tries, clock());
  }

  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": USER_AGENT };
  if (row.format === "standard") {
    // The webhook-timestamp is wall-clock time of this attempt, what receivers compare against.
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const keys = parseSecrets(hook.secret_env ? env[hook.secret_env] : undefined, hook.secret_env ?? "(no secret_env)");
      headers["webhook-id"] = row.id;
      headers["webhook-timestamp"] = String(timestamp);
      headers["webhook-signature"] = await signatureHeader(keys, row.id, timestamp, row.body);
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      // An operator may set the secret: retried on the schedule like a failing receiver.
      log({ status: null, error: error.message, retryAfter: null }, 0);
      return reschedule(context, row, tries, null);
    }
  }

  const result = await send(hook.url, headers, row.body);
  log(result, Math.max(0, clock() - startedAt));
  if (result.status !== null && result.status >= 200 && result.status < 300) {
    // The receiver is back (enabled again elsewhere): this lead's own 410 record is stale.
    sql.exec("DELETE FROM webhook_disabled WHERE endpoint = ?", hook.id);
    return settle(sql, row, "delivered", tries, clock());
  }
  if (result.status === 410) {
    sql.exec("UPDATE webhook_outbox SET tries = ? WHERE id = ?", tries, row.id);
    const entry: DisabledEndpoint = { endpoint: hook.id, url: hook.url, at: clock(), reason: "410 Gone" };
    disableEndpoint(sql, entry, row.id);
    // For every lead. If the index does not take it, this lead's record still holds, and the
    // next 410 another lead hears tries again.
    if (env.LEAD_INDEX) {
      try {
        await withTimeout(disableEverywhere(env.LEAD_INDEX, entry), SHARED_STATE_TIMEOUT_MS);
      } catch (error) {
        console.error(`webhooks: cannot record in the lead index that endpoint "${hook.id}" said 410 Gone`, error);
      }
    }
    return "disabled";
  }
  return reschedule(context, row, tries, result.retryAfter);
}

/** One POST with a timeout. Never throws: a network failure is an attempt without a status. */
async function send(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body,
      // A redirect could lead past the URL check to a private address: it counts as a failure.
      redirect: "manual",
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    const retryAfter = response.headers.get("retry-after");
    if (response.ok) {
      await response.body?.cancel();
      return { status: response.status, error: null, retryAfter };
    }
    const location = response.headers.get("location");
    const detail =
      response.status >= 300 && response.status < 400
        ? `redirects are not followed${location ? ` (to ${location})` : ""}`
        : await snippet(response);
    return { status: response.status, error: `HTTP ${response.status}${detail ? `: ${detail}` : ""}`, retryAfter };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    const message =
      name === "TimeoutError" || name === "AbortError"
        ? `timed out after ${ATTEMPT_TIMEOUT_MS / 1000} s`
        : `network error: ${error instanceof Error ? error.message : String(error)}`;
    return { status: null, error: message, retryAfter: null };
  }
}

/** The start of a failing receiver's answer, for the log; the rest is not read. */
async function snippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The answer was cut off (timeout, reset): what arrived is enough for the log.
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes.slice(0, ERROR_SNIPPET_BYTES)).trim().replace(/\s+/g, " ");
}

function reschedule(context: DeliveryContext, row: OutboxRow, tries: number, retryAfter: string | null): Outcome {
  const at = context.clock();
  const next = nextAttemptAt({ attempt: tries, at, scale: context.scale, retryAfterMs: parseRetryAfter(retryAfter, Date.now()) });
  if (next === null) return settle(context.sql, row, "failed", tries, at);
  context.sql.exec("UPDATE webhook_outbox SET tries = ?, next_at = ?, updated_at = ? WHERE id = ?", tries, next, at, row.id);
  return "retry";
}

function settle(sql: SqlStorage, row: OutboxRow, status: "delivered" | "failed", tries: number, at: number): Outcome {
  sql.exec("UPDATE webhook_outbox SET status = ?, tries = ?, next_at = NULL, updated_at = ? WHERE id = ?", status, tries, at, row.id);
  return status;
}

function logAttempt(sql: SqlStorage, id: string, at: number, status: number | null, durationMs: number, error: string | null): void {
  sql.exec(
    `INSERT INTO webhook_attempts (delivery_id, attempt, at, status, duration_ms, error)
     VALUES (?, (SELECT coalesce(max(attempt), 0) + 1 FROM webhook_attempts WHERE delivery_id = ?), ?, ?, ?, ?)`,
    id, id, at, status, durationMs, error,
  );
}

/**
 * 410 Gone: the receiver asks never to be called again. Recorded in this lead's own table, and
 * every pending message to it stops (`answered` is the one that heard the 410; its attempt is
 * already logged).
 */
function disableEndpoint(sql: SqlStorage, entry: DisabledEndpoint, answered: string): void {
  sql.exec(
    `INSERT INTO webhook_disabled (endpoint, url, at, reason) VALUES (?, ?, ?, ?)
     ON CONFLICT (endpoint) DO UPDATE SET url = excluded.url, at = excluded.at, reason = excluded.reason`,
    entry.endpoint, entry.url, entry.at, entry.reason,
  );
  stopEndpoint(sql, entry.endpoint, notSentLine(entry), entry.at, answered);
}

/** Marks every pending message to the endpoint disabled, each with a log line that says why. */
function stopEndpoint(sql: SqlStorage, endpoint: string, line: string, at: number, except?: string): void {
  const pending = sql.exec<{ id: string }>("SELECT id FROM webhook_outbox WHERE endpoint = ? AND status = 'pending'", endpoint).toArray();
  for (const { id } of pending) if (id !== except) logAttempt(sql, id, at, null, 0, line);
  sql.exec(
    "UPDATE webhook_outbox SET status = 'disabled', next_at = NULL, updated_at = ? WHERE endpoint = ? AND status = 'pending'",
    at, endpoint,
  );
}

/** The endpoint a message goes to, or null when there is no such message. */
export function deliveryEndpoint(sql: SqlStorage, id: string): string | null {
  return sql.exec<{ endpoint: string }>("SELECT endpoint FROM webhook_outbox WHERE id = ?", id).toArray()[0]?.endpoint ?? null;
}

/**
 * Sends a message again from the first step of the schedule, whatever became of it (failed,
 * disabled, even delivered: receivers dedupe on its unchanged `webhook-id`). An endpoint
 * disabled by 410 is enabled again: redelivering is the operator saying it is back. This
 * enables it in this lead's own record; for every lead, first `await enableEndpoint(db,
 * deliveryEndpoint(sql, id))` (endpoints.ts), else the next run still reads it as disabled.
 * Returns when the alarm should fire, or null when there is no such message.
 *
 * @example
 * const endpoint = deliveryEndpoint(this.ctx.storage.sql, "msg_…");
 * if (endpoint !== null) await enableEndpoint(this.env.LEAD_INDEX, endpoint);
 * const due = redeliver(this.ctx.storage.sql, "msg_…", Date.now());
 * if (due !== null) await armAlarm(this.ctx.storage, due);
 */
export function redeliver(sql: SqlStorage, id: string, now: number): number | null {
  const row = sql.exec<{ endpoint: string }>("SELECT endpoint FROM webhook_outbox WHERE id = ?", id).toArray()[0];
  if (!row) return null;
  sql.exec("DELETE FROM webhook_disabled WHERE endpoint = ?", row.endpoint);
  sql.exec("UPDATE webhook_outbox SET status = 'pending', tries = 0, next_at = ?, updated_at = ? WHERE id = ?", now, now, id);
  return nextDue(sql);
}

/** One attempt as the read API shows it. */
export interface DeliveryAttempt {
  attempt: number;
  at: string;
  /** The receiver's HTTP status, or null when none came (timeout, network, refused, no secret). */
  status: number | null;
  duration_ms: number;
  error: string | null;
}

/** One message to one endpoint, as the read API shows it. */
export interface Delivery {
  /** The `webhook-id` the receiver saw. */
  id: string;
  endpoint: string;
  type: string;
  sequence: number;
  format: string;
  status: DeliveryStatus;
  created_at: string;
  updated_at: string;
  /** When pending: the earliest time of the next attempt. */
  next_attempt_at: string | null;
  attempts: DeliveryAttempt[];
  /** The exact body sent, only when asked for (`{ body: true }`): exports, redelivery views. */
  body?: unknown;
}

export interface ListOptions {
  status?: DeliveryStatus;
  /** Newest first, at most this many (default all). */
  limit?: number;
  /** Include each message's body, parsed. */
  body?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * This lead's deliveries with their attempts, newest first, JSON-ready.
 *
 * @example
 * listDeliveries(sql, { status: "failed" }) // [{ id: "msg_…", status: "failed", attempts: [{ attempt: 1, status: 503, … }, …] }]
 */
export function listDeliveries(sql: SqlStorage, options: ListOptions = {}): Delivery[] {
  const rows = sql
    .exec<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM webhook_outbox WHERE (?1 IS NULL OR status = ?1)
       ORDER BY sequence DESC, created_at DESC, endpoint LIMIT ?2`,
      options.status ?? null,
      options.limit ?? -1,
    )
    .toArray();
  const attempts = new Map<string, DeliveryAttempt[]>();
  if (rows.length) {
    const wanted = new Set(rows.map((r) => r.id));
    for (const a of sql.exec<AttemptRow>(
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
