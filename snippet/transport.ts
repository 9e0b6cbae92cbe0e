/**
 * At-least-once delivery. Every event waits in a small outbox in localStorage until a response
 * from the collector settles it. While the page lives, batches go by `fetch` (keepalive, a
 * `text/plain` body so no CORS preflight is needed) and a failure is retried. On page exit they go
 * by `sendBeacon`, whose fate the page cannot learn: those events stay in the outbox and ride along
 * with the next page's first batch, and the collector drops what it already has by event id.
 *
 * A new event waits in memory first, and moves to the outbox on the next flush (within a second,
 * or at the next retry while retries back off) or when the page is hidden or left, whichever comes
 * first: the page's own load never waits for storage, and nothing is lost on the way out, since
 * both exits write the outbox before sending.
 */
import type { Event } from "../shared/wire";
import { safe } from "./safe";
import { read, write } from "./store";
import type { Emit } from "./types";

const OUTBOX = "ll_o";
/** The collector refuses larger batches; the outbox keeps no more than one batch either. */
const MAX_EVENTS = 100;
/**
 * Keepalive fetches and beacons share a 64 KiB budget per page, and the collector takes 64 KiB
 * bodies. Counted in characters (up to 3 bytes each in UTF-8) to spare measuring bytes.
 */
const MAX_CHARS = 2e4;
const DELAY = 1e3;

/** About 100 random bits, as digits and dots: a valid wire id ([\w.:-], at most 64 characters). */
export const uid = (): string => Math.random() + "" + Math.random();

/** Captured on this page and not yet in the outbox. */
let fresh: Event[] = [];

/** The outbox; an unreadable one (written by someone else) counts as empty. */
export const outbox = (): Event[] => safe(() => JSON.parse(read(OUTBOX)!) as Event[])() || [];

/** Keeps the newest events: a bounded outbox must never grow without end while offline. */
const save = (events: Event[]): unknown => write(OUTBOX, JSON.stringify(events.slice(-MAX_EVENTS)));

/** Forgets everything waiting to be sent (consent withdrawn); touches no storage when empty. */
export const clear = (): void => {
  fresh = [];
  outbox()[0] && write(OUTBOX);
};

/**
 * Starts delivery to `endpoint`; `envelope` wraps events in the request body; while `off()`
 * (no consent, Do Not Track) every event is dropped before it reaches the outbox.
 * Returns `emit(draft, now?)`, which stamps the event with its id and time, keeps it, and schedules
 * (or, with `now`, starts) a flush.
 */
export function transport(endpoint: URL, envelope: (events: Event[]) => string, off: () => unknown): Emit {
  // Ids sent from this page whose fate is unknown: 2 while in a fetch under way, 1 once in a beacon.
  let sent: Record<string, number> = {};
  const mark = (events: Event[], as: number): unknown => events.map((e) => (sent[e.id] = as));
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let busy: unknown;
  let backoff = DELAY;

  /** Moves fresh events to the outbox, then takes the oldest unsent ones that fit one request. */
  const batch = (): Event[] => {
    // The opt-out is read from storage each time, so withdrawing consent in one tab stops them all.
    off() ? clear() : fresh[0] && save([...outbox(), ...fresh.splice(0)]);
    let chars = 0;
    let size: number;
    // One event too large for any batch is skipped (and in time evicted by newer ones): it must
    // not block the queue. No more than MAX_EVENTS, since the outbox holds no more.
    return outbox().filter((e) => !sent[e.id] && (size = JSON.stringify(e).length) + chars < MAX_CHARS && (chars += size));
  };

  const later = (ms: number): void => {
    timer ||= setTimeout(flush, ms);
  };

  async function flush(): Promise<void> {
    // A timer still pending finds the work done, or the fetch busy, and returns.
    timer = 0;
    const events = batch();
    if (busy || !events[0]) return;
    // Everything that can fail inside the try: a rejected promise would reach the page's
    // unhandledrejection handler.
    try {
      busy = mark(events, 2);
      const { status } = await fetch(endpoint, { method: "POST", body: envelope(events), keepalive: true });
      // 4xx other than 429 will never be accepted (of a 400 batch the collector already kept the
      // valid events); 429, 5xx and network errors are worth another try.
      if (status > 499 || status == 429) throw 0;
      save(outbox().filter((e) => sent[e.id] != 2));
      backoff = DELAY;
    } catch {
      backoff = Math.min(backoff * 2, 6e4);
    }
    mark(events, 0);
    busy = 0;
    // At once after a success (more may be waiting), after the backoff after a failure.
    later(backoff > DELAY ? backoff : 0);
  }

  const exit = safe(() => {
    const events = batch();
    events[0] && navigator.sendBeacon(endpoint, envelope(events)) && mark(events, 1);
  });

  addEventListener("pagehide", exit);
  // A tab hidden and shown again is still the same page: what left by beacon is confirmed by
  // fetch, rather than piling up for the next page.
  addEventListener("visibilitychange", () => (document.hidden ? exit() : ((sent = {}), later(DELAY))));

  return (draft, now) => {
    // A copy as it is now: the site may change its props object later, and what JSON cannot
    // carry (a BigInt) fails here, in the caller's safe(), rather than in every later flush.
    fresh.push(JSON.parse(JSON.stringify({ ...draft, id: uid(), ts: Date.now() })) as Event);
    now ? setTimeout(flush) : later(DELAY);
  };
}
