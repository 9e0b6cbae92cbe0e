/**
 * How many events a lead received since a moment (its hourly budget, checked on every batch),
 * answered from memory. Pure: the storage reads come in as functions, so it is tested in plain
 * Node.
 *
 * Two forms of memory, because the events table has no time index (a receive time can only be
 * found by scanning the lead's events):
 * - a tally (how many since the window's start, and the oldest of them), from one aggregate read
 *   when the object wakes. It answers every count until the window's start passes that oldest
 *   event, which for most leads is never before the object is evicted again. Reading every
 *   event of the last hour into memory at each wake instead cost a lead with 500 recent events
 *   about half a millisecond per wake, one with 1,000 over a millisecond;
 * - the list of recent events (seq, receive time) in receive order, once the window moves past
 *   the tally's oldest event: from then on events leave the window one by one, and the list
 *   knows when (a hot lead keeps it, with no read per batch).
 */

/** One event as the list remembers it. */
export type Received = { seq: number; at: number };

/** The aggregate read: events received since `since`, the oldest receive time among them and their largest seq. */
export type ReceivedTally = { count: number; oldest: number | null; newestSeq: number | null };

export interface ReceivedReads {
  tally(since: number): ReceivedTally;
  /** The newest `cap` events received since `since`, in receive order (oldest first). */
  list(since: number, cap: number): Received[];
}

/** Both forms know the window's start they last answered for: they cannot look back past it. */
type Tally = ReceivedTally & { kind: "tally"; since: number };
type List = { kind: "list"; since: number; entries: Received[]; cap: number };

export class ReceivedWindow {
  private memory: Tally | List | null = null;

  constructor(private readonly reads: ReceivedReads) {}

  /** The table changed behind this memory (a rollback, a hand-over's delete, an erasure): read again. */
  forget(): void {
    this.memory = null;
  }

  /** An event just stored. */
  remember(seq: number, at: number): void {
    const memory = this.memory;
    if (memory === null) return;
    if (memory.kind === "list") {
      const newest = memory.entries.at(-1);
      // A seq at or below the newest remembered one means the table changed behind the memory; an
      // older receive time (events a hand-over brings in) would break its time order: read again.
      if (newest === undefined || (newest.seq < seq && newest.at <= at)) memory.entries.push({ seq, at });
      else this.memory = null;
      return;
    }
    if (memory.newestSeq !== null && seq <= memory.newestSeq) {
      this.memory = null;
      return;
    }
    memory.newestSeq = seq;
    // Received before the window's start (a hand-over's old events): never inside it again.
    if (at < memory.since) return;
    memory.count++;
    memory.oldest = memory.oldest === null ? at : Math.min(memory.oldest, at);
  }

  /** How many events were received since `since`, counted up to `cap` (the budget: more is never asked). */
  count(since: number, cap: number): number {
    let memory = this.memory;
    // A lead's window only moves forward (its clock never runs back), but neither form can look
    // back past what it forgot: read again then, as for a list cut to a smaller cap.
    if (memory === null || since < memory.since || (memory.kind === "list" && memory.cap < cap)) {
      memory = this.memory = { kind: "tally", since, ...this.reads.tally(since) };
    }
    if (memory.kind === "tally") {
      if (memory.oldest === null || memory.oldest >= since) {
        memory.since = since;
        return Math.min(memory.count, cap);
      }
      // Some of the tallied events left the window: which ones takes the list.
      memory = this.memory = { kind: "list", since, entries: this.reads.list(since, cap), cap };
    }
    // Kept in receive order: what fell out of the window is at the front. Only the newest `cap`
    // can matter to a later count; the rest would only cost memory.
    const kept = memory.entries;
    let first = 0;
    while (first < kept.length && (kept[first] as Received).at < since) first++;
    const drop = Math.max(first, kept.length - cap);
    if (drop > 0) kept.splice(0, drop);
    memory.since = since;
    memory.cap = Math.min(memory.cap, cap);
    return kept.length;
  }
}
