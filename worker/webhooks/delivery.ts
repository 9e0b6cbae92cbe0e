/**
 * Delivering a lead's outbox, from its alarm. The guarantees:
 *
 * - Each endpoint's messages go in `sequence` order: a later alert waits while an earlier one to
 *   the same endpoint is still being retried, so a receiver never sees SQL before the MQL it follows.
 * - At-least-once: a crash between the send and its log line sends again with the same
 *   `webhook-id`, which receivers dedupe on.
 * - A 410 Gone disables the endpoint for every lead: recorded in the lead index (endpoints.ts) as
 *   well as in this lead's own record. Whether an endpoint is disabled is decided here, at
 *   delivery, not when a message is written, so enabling it again (a redelivery, a new URL)
 *   reaches the messages every lead has waiting. When the index cannot be read, the lead's own
 *   record decides: alerts never wait for the index.
 * - Whatever an operator must act on leaves one JSON log line (log.ts): a refused endpoint, a
 *   retry, a 410, a delivery given up, the index not answering. Each names the lead, the
 *   endpoint, the `webhook-id` and the reason; never the body, a secret or the URL's path.
 */
import type { WebhookConfig } from "../config";
import { log, reason } from "../log";
import { type DisabledEndpoint, disableEndpoint, disabledEndpoints, isDisabled, notSentLine } from "./endpoints";
import { attemptOutcome, type Outcome } from "./outcome";
import { parseRetryAfter, retryScale } from "./schedule";
import { SecretError, requestHeaders, send, type SendResult } from "./send";
import { checkWebhookUrl } from "./ssrf";
import type { OutboxRow, OutboxStore } from "./store";

/** Attempts per endpoint in one run; the rest continue in the next run, so an alarm stays short. */
const ATTEMPTS_PER_RUN = 25;
/** How long delivery waits for the lead index's list of disabled endpoints (or a 410's record in it). */
export const SHARED_STATE_TIMEOUT_MS = 5_000;

/** What delivery reads from the Worker's environment. */
export interface DeliveryEnv {
  /** Local development: loopback URLs are allowed (see ssrf.ts). */
  dev: boolean;
  /** Multiplier of the retry delays (see schedule.ts). */
  retryScale?: string;
  /** The lead index, holding the endpoints disabled for every lead. Unset: each lead's own 410s only. */
  index?: D1Database;
  /** The value of a secret by its name (an endpoint's `secret_env`). */
  secret: (name: string) => string | undefined;
}

interface Run {
  outbox: OutboxStore;
  env: DeliveryEnv;
  webhooks: readonly WebhookConfig[];
  clock: () => number;
  scale: number;
  /** The endpoints disabled when this run started: every lead's record, or this lead's own. */
  disabled: ReadonlyMap<string, DisabledEndpoint>;
  /** The lead whose outbox this is, for the log. */
  lead: string | undefined;
}

/**
 * Sends every message that is due at `now`, endpoints side by side, and logs each attempt.
 * Returns when to run again, or null when nothing is pending. `lead` names the lead in log lines.
 *
 * @example
 * const next = await deliverDue(new OutboxStore(ctx.storage.sql), deliveryEnv(env), config.webhooks, Date.now(), leadId);
 */
export async function deliverDue(
  outbox: OutboxStore,
  env: DeliveryEnv,
  webhooks: readonly WebhookConfig[],
  now: number,
  lead?: string,
): Promise<number | null> {
  // Nothing due (the alarm ran for other work): nothing to send, no need to ask the index.
  const due = outbox.nextDue();
  if (due === null || due > now) return due;
  // `now` may be a test's virtual time; real time spent in requests is added to it.
  const started = Date.now();
  const run: Run = {
    outbox,
    env,
    webhooks,
    clock: () => now + (Date.now() - started),
    scale: retryScale(env.retryScale),
    disabled: await readDisabled(outbox, env.index, lead),
    lead,
  };
  await Promise.all(outbox.pendingEndpoints().map((endpoint) => drainEndpoint(run, endpoint)));
  return outbox.nextDue();
}

/**
 * The endpoints disabled for every lead, from the lead index; this lead's own record when there
 * is no index or it does not answer in time: an index that is down never holds back an alert.
 */
async function readDisabled(
  outbox: OutboxStore,
  db: D1Database | undefined,
  lead: string | undefined,
): Promise<ReadonlyMap<string, DisabledEndpoint>> {
  if (db) {
    try {
      return await withTimeout(disabledEndpoints(db), SHARED_STATE_TIMEOUT_MS);
    } catch (error) {
      log("warn", "webhook.index_unreadable", { lead, reason: reason(error), fallback: "this lead's own record of disabled endpoints" });
    }
  }
  return outbox.disabledHere();
}

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

async function drainEndpoint(run: Run, endpoint: string): Promise<void> {
  const hook = run.webhooks.find((h) => h.id === endpoint);
  const off = hook && isDisabled(run.disabled, hook) ? run.disabled.get(endpoint) : undefined;
  if (off) {
    run.outbox.stopEndpoint(endpoint, notSentLine(off), run.clock());
    return;
  }
  for (let budget = ATTEMPTS_PER_RUN; budget > 0; budget--) {
    // Re-read each time: an ingest during the await may have added a message behind this one.
    const head = run.outbox.head(endpoint);
    if (!head || (head.next_at ?? 0) > run.clock()) return;
    const kind = await attempt(run, head, hook);
    // A retrying message holds back the ones after it; a settled one lets the next go now. After
    // a 410, a message written meanwhile waits for the next run, which reads the endpoint as disabled.
    if (kind === "retry" || kind === "disabled") return;
  }
}

async function attempt(run: Run, row: OutboxRow, hook: WebhookConfig | undefined): Promise<"delivered" | "retry" | "failed" | "disabled"> {
  const { outbox, clock } = run;
  const tries = row.tries + 1;
  const startedAt = clock();
  let result: SendResult;
  let permanent = false;
  if (!hook) {
    result = { status: null, error: `endpoint "${row.endpoint}" is no longer in the config`, retryAfter: null };
    permanent = true;
  } else if (hook.dev_only && !run.env.dev) {
    // The config a deployed collector loads has no dev_only endpoint; this guards a caller that
    // passed the whole file.
    result = { status: null, error: `endpoint "${hook.id}" is dev_only: delivered only in local development`, retryAfter: null };
    permanent = true;
  } else {
    // A refused URL never passes later: failed at once, not retried.
    const refusal = checkWebhookUrl(hook.url, { allowLoopback: run.env.dev });
    if (refusal) {
      result = { status: null, error: refusal, retryAfter: null };
      permanent = true;
    } else {
      result = await signAndSend(run, row, hook);
    }
  }
  outbox.logAttempt(row.id, startedAt, result.status, Math.max(0, clock() - startedAt), result.error);

  const at = clock();
  const outcome = attemptOutcome({
    status: result.status,
    permanent,
    tries,
    at,
    scale: run.scale,
    retryAfterMs: parseRetryAfter(result.retryAfter, Date.now()),
  });
  logOutcome(run, row, outcome, result, permanent, tries);
  switch (outcome.kind) {
    case "delivered":
      // The receiver is back (enabled again elsewhere): this lead's own 410 record is stale.
      if (hook) outbox.clearDisabled(hook.id);
      outbox.settle(row.id, "delivered", tries, at);
      break;
    case "failed":
      outbox.settle(row.id, "failed", tries, at);
      break;
    case "retry":
      outbox.retryAt(row.id, tries, outcome.at, at);
      break;
    case "disabled":
      if (hook) await disable(run, row, hook, tries, at);
      break;
  }
  return outcome.kind;
}

/**
 * One log line per attempt that did not deliver. A receiver's answer is reduced to its status: its
 * body may echo the alert, email included.
 */
function logOutcome(run: Run, row: OutboxRow, outcome: Outcome, result: SendResult, permanent: boolean, tries: number): void {
  if (outcome.kind === "delivered") return;
  const fields = {
    lead: run.lead,
    endpoint: row.endpoint,
    webhook_id: row.id,
    type: row.type,
    attempt: tries,
    status: result.status,
    reason: result.status === null ? (result.error ?? "no answer") : `HTTP ${result.status}`,
  };
  if (outcome.kind === "retry") log("warn", "webhook.retry", { ...fields, retry_at: new Date(outcome.at).toISOString() });
  else if (outcome.kind === "disabled") log("warn", "webhook.disabled", { ...fields, reason: "410 Gone: disabled for every lead until a redelivery" });
  else if (permanent) log("error", "webhook.refused", fields);
  else log("error", "webhook.gave_up", { ...fields, reason: `${fields.reason}; no attempt left: marked failed, redeliver it from the dashboard or the API` });
}

/** Signs (standard format) and sends; a missing secret is an attempt without an answer, retried on the schedule. */
async function signAndSend(run: Run, row: OutboxRow, hook: WebhookConfig): Promise<SendResult> {
  let headers: Record<string, string>;
  try {
    const name = hook.secret_env ?? "(no secret_env)";
    headers = await requestHeaders(row, { value: hook.secret_env ? run.env.secret(hook.secret_env) : undefined, name });
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    return { status: null, error: error.message, retryAfter: null };
  }
  return send(hook.url, headers, row.body);
}

/**
 * 410 Gone: recorded in this lead's own table, every pending message to the endpoint stops, and
 * the endpoint is disabled for every lead. If the index does not take it, this lead's record
 * still holds, and the next 410 another lead hears tries again.
 */
async function disable(run: Run, row: OutboxRow, hook: WebhookConfig, tries: number, at: number): Promise<void> {
  run.outbox.retryAt(row.id, tries, null, at);
  const entry: DisabledEndpoint = { endpoint: hook.id, url: hook.url, at, reason: "410 Gone" };
  run.outbox.recordDisabled(entry);
  // The message that heard the 410 has its attempt logged already.
  run.outbox.stopEndpoint(entry.endpoint, notSentLine(entry), entry.at, row.id);
  if (run.env.index) {
    try {
      await withTimeout(disableEndpoint(run.env.index, entry), SHARED_STATE_TIMEOUT_MS);
    } catch (error) {
      log("error", "webhook.disable_not_shared", {
        lead: run.lead,
        endpoint: hook.id,
        webhook_id: row.id,
        reason: `the lead index did not record the 410: ${reason(error)}`,
      });
    }
  }
}
