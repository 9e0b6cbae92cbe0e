/**
 * The lead index's writer: the Worker's queue() handler. Lead objects send their copies to the
 * index queue; the queue hands them here in batches (up to 100, or what arrived within a second)
 * and each batch becomes one D1 batch. A batch D1 refuses is split by lead, so one bad copy
 * costs only its own lead a retry.
 *
 * Accounts are fed by the same batches: a known lead's copy carries its account's report when it
 * changed, each account gets all of a batch's reports in one call (a few accounts at a time), and
 * their summaries are written to D1 together, in one statement. An account that cannot be reached
 * costs only its own reports a retry. Reports may come late or twice; each account keeps every
 * lead's newest.
 *
 * A copy the queue gave up on lands in the dead-letter queue, whose consumer is here too: it logs
 * the loss and has the lead send its copy again, so a quiet lead's row and account are repaired.
 */
import type { Env } from "./env";
import { pushAccount, type AccountCopy } from "./account/listing";
import type { TimedReport } from "./account/report";
import { accountStub } from "./account/stub";
import { leadById } from "./identity";
import { writeCopies } from "./lead-index";
import type { IndexMessage } from "./lead/index-sync";
import { log, reason } from "./log";
import { settleEach } from "./pool";

/** The dead-letter queue of the index queue, as wrangler.toml names it. */
export const DEAD_LETTER_QUEUE = "leadlight-index-dlq";
/** Seconds before a refused copy is offered again (the queue's default is at once). */
const RETRY_DELAY_S = 5;
/** Account (or, for dead copies, Lead) objects called at once from one batch. */
const CALLS_AT_ONCE = 8;

type Messages = readonly Message<IndexMessage>[];

export async function writeIndexBatch(env: Env, batch: MessageBatch<IndexMessage>): Promise<void> {
  // Lead rows and accounts at the same time: neither waits on the other.
  const [leadsFailed, accountsFailed] = await Promise.all([writeLeads(env.LEAD_INDEX, batch.messages), feedAccounts(env, batch.messages)]);
  for (const message of batch.messages) {
    if (leadsFailed.has(message) || accountsFailed.has(message)) message.retry({ delaySeconds: RETRY_DELAY_S });
    else message.ack();
  }
}

/** Writes the copies; answers the messages whose copy could not be written. */
async function writeLeads(db: D1Database, messages: Messages): Promise<Set<Message<IndexMessage>>> {
  try {
    await writeCopies(db, messages.map((m) => m.body));
    return new Set();
  } catch (error) {
    log("warn", "index.batch_failed", { copies: messages.length, reason: reason(error) });
  }
  const failed = new Set<Message<IndexMessage>>();
  await Promise.all(
    [...groupBy(messages, (m) => m.body.copy.id)].map(async ([lead, mine]) => {
      try {
        await writeCopies(db, mine.map((m) => m.body));
      } catch (error) {
        const attempts = Math.max(...mine.map((m) => m.attempts));
        log("error", "index.copy_failed", { lead, attempts, reason: reason(error), retry_in_s: RETRY_DELAY_S });
        for (const m of mine) failed.add(m);
      }
    }),
  );
  return failed;
}

/**
 * Hands each account its reports from the batch, in one call, and writes every summary they
 * answer in one statement; answers the messages whose report did not make it.
 */
async function feedAccounts(env: Env, messages: Messages): Promise<Set<Message<IndexMessage>>> {
  const reporting = messages.flatMap((message) => (message.body.account ? [{ message, site: message.body.copy.site, ...message.body.account }] : []));
  const groups = [...groupBy(reporting, (r) => `${r.site}\n${r.domain}`).values()].map((mine) => ({
    site: mine[0]?.site ?? "",
    domain: mine[0]?.domain ?? "",
    messages: mine.map((r) => r.message),
    reports: mine.map(({ report, at }): TimedReport => ({ report, at })),
  }));
  const failed = new Set<Message<IndexMessage>>();
  if (groups.length === 0) return failed;
  const outcomes = await settleEach(groups, CALLS_AT_ONCE, (g) => accountStub(env, g.site, g.domain).reportMany(g.site, g.domain, g.reports));
  const copies: AccountCopy[] = [];
  const written: Message<IndexMessage>[] = [];
  outcomes.forEach((outcome, index) => {
    const g = groups[index];
    if (!g) return;
    if (outcome.status === "rejected") {
      const attempts = Math.max(...g.messages.map((m) => m.attempts));
      log("error", "account.report_failed", { site: g.site, account: g.domain, reports: g.reports.length, attempts, reason: reason(outcome.reason), retry_in_s: RETRY_DELAY_S });
      for (const m of g.messages) failed.add(m);
      return;
    }
    if (outcome.value) copies.push({ site: g.site, domain: g.domain, summary: outcome.value });
    written.push(...g.messages);
  });
  try {
    await pushAccount(env.LEAD_INDEX, copies);
  } catch (error) {
    // The accounts kept the reports; the retry brings their summaries again.
    log("error", "account.listing_failed", { accounts: copies.length, reason: reason(error), retry_in_s: RETRY_DELAY_S });
    for (const m of written) failed.add(m);
  }
  return failed;
}

/** The dead-letter queue: each lost copy is logged, and its lead owes the index a fresh one. */
export async function reviveLostCopies(env: Env, batch: MessageBatch<IndexMessage>): Promise<void> {
  await settleEach(batch.messages, CALLS_AT_ONCE, async (message) => {
    const { copy, account } = message.body;
    // Once per lost copy: a retry of this message logs its own line.
    if (message.attempts === 1) log("error", "index.copy_lost", { lead: copy.id, site: copy.site, account: account?.domain, changes: copy.changes.length, deliveries: copy.deliveries.length });
    try {
      await leadById(env, copy.id)?.copyLost(message.body);
      message.ack();
    } catch (error) {
      log("error", "index.copy_lost_retry", { lead: copy.id, attempts: message.attempts, reason: reason(error), retry_in_s: RETRY_DELAY_S });
      message.retry({ delaySeconds: RETRY_DELAY_S });
    }
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
