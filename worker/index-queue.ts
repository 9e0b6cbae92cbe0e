/**
 * The lead index's writer: the Worker's queue() handler. Lead objects send their copies to the
 * index queue; the queue hands them here in batches (up to 100, or what arrived within a second)
 * and each batch becomes one D1 batch. A batch D1 refuses is split by lead, so one bad copy
 * costs only its own lead a retry; a copy the queue gave up on lands in the dead-letter queue,
 * and the lead's next copy brings its row up to date.
 */
import { type TimedCopy, writeCopies } from "./lead-index";
import { log, reason } from "./log";

/** Seconds before a refused copy is offered again (the queue's default is at once). */
const RETRY_DELAY_S = 5;

export async function writeIndexBatch(db: D1Database, batch: MessageBatch<TimedCopy>): Promise<void> {
  try {
    await writeCopies(db, batch.messages.map((m) => m.body));
    batch.ackAll();
    return;
  } catch (error) {
    log("warn", "index.batch_failed", { copies: batch.messages.length, reason: reason(error) });
  }
  const byLead = new Map<string, Message<TimedCopy>[]>();
  for (const message of batch.messages) byLead.set(message.body.copy.id, [...(byLead.get(message.body.copy.id) ?? []), message]);
  await Promise.all(
    [...byLead.entries()].map(async ([lead, messages]) => {
      try {
        await writeCopies(db, messages.map((m) => m.body));
        for (const m of messages) m.ack();
      } catch (error) {
        const attempts = Math.max(...messages.map((m) => m.attempts));
        log("error", "index.copy_failed", { lead, attempts, reason: reason(error), retry_in_s: RETRY_DELAY_S });
        for (const m of messages) m.retry({ delaySeconds: RETRY_DELAY_S });
      }
    }),
  );
}
