/**
 * The hand-over from an anonymous visitor's object to the known lead's object (named for the
 * email), once the visitor identifies. The visitor's object then forwards to the known lead.
 *
 * Dedup by event id on the receiving side makes a repeated hand-over harmless, so it is retried
 * freely: if the known lead cannot be reached, everything stays stored here and the alarm tries
 * again (the events were acknowledged, so the hand-over is owed).
 */
import { emailLead } from "../identity";
import { log, reason } from "../log";
import type { LeadContext } from "./context";
import { touchIndex } from "./index-sync";
import type { LeadRow, StoredEvent } from "./store";

/** A visitor owes a hand-over when it has an email and does not yet forward. */
export const handOverOwed = (row: LeadRow): boolean => row.kind === "visitor" && Boolean(row.email) && !row.forward_to;

/** Hands this visitor's history to the known lead; returns the known lead's id, or null to retry later. */
export async function handOver(lead: LeadContext): Promise<string | null> {
  for (;;) {
    const row = lead.store.row();
    if (!row?.email) return null;
    const events = lead.store.history().toArray();
    const history: StoredEvent[] = events.map(({ seq: _seq, ...event }) => event);
    let target: string;
    try {
      target = await emailLead(lead.env, row.site, row.email).absorb({
        site: row.site,
        email: row.email,
        visitor: row.visitor,
        verified: row.verified === 1,
        traits: JSON.parse(row.traits),
        events: history,
        collectorUrl: row.collector_url,
      });
    } catch (error) {
      log("error", "lead.handover_failed", { lead: row.id, reason: reason(error), retry: "from the alarm" });
      lead.arm();
      return null;
    }
    // Only events the known lead now holds are removed: one that arrived meanwhile stays, and
    // goes in another round.
    const handed = events.length ? (events[events.length - 1] as { seq: number }).seq : 0;
    const leftover = lead.transaction(() => {
      lead.store.deleteEventsUpTo(handed);
      const left = lead.store.eventCount();
      lead.store.setForward(left > 0 ? null : target);
      // At once: the visitor's row leaves the listing as the known lead takes its place.
      touchIndex(lead, Date.now(), left === 0);
      return left;
    });
    lead.score.reset();
    if (leftover === 0) return target;
  }
}
