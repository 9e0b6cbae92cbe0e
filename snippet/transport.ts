/**
 * At-least-once delivery. Every event waits in a small outbox in localStorage until a response
 * from the collector settles it. While the page lives, batches go by `fetch` (keepalive, a
 * `text/plain` body so no CORS preflight is needed) and a failure is retried. On page exit they go
 * by `sendBeacon`, whose fate the page cannot learn: those events stay in the outbox and ride along
 * with the next page's first batch, and the collector drops what it already has by event id.
 */
import type { Event } from "../shared/wire";
import { safe } from "./safe";
import { read, write } from "./store";

const OUTBOX = "ll_o";
/** The collector refuses larger batches; the outbox keeps no more than one batch either. */
const MAX_EVENTS = 100;
/**
 * Keepalive fetches and beacons share a 64 KiB budget per page, and the collector takes 64 KiB
 * bodies. Counted in characters (up to 3 bytes each in UTF-8) to spare measuring bytes.
 */
const MAX_CHARS = 2e4;
const DELAY = 1e3;

export const outbox = (): Event[] => {
  try {
    return JSON.parse(read(OUTBOX) || "[]") as Event[];
  } catch {
    return [];
  }
};

/** Keeps the newest events: a bounded outbox must never grow without end while offline. */
const save = (events: Event[]): void => write(OUTBOX, JSON.stringify(events.slice(-MAX_EVENTS)));

/** Forgets everything waiting to be sent (consent withdrawn); touches no storage when empty. */
export const clear = (): unknown => outbox().length && write(OUTBOX);

/**
 * Starts delivery to `endpoint`; `envelope` wraps events in the request body.
 * Returns `send(event, now?)`, which stores the event and schedules (or, with `now`, starts) a flush.
 */
export function transport(endpoint: URL, envelope: (events: Event[]) => string) {
  // Ids already sent from this page whose fate is unknown: in a fetch under way, or in a beacon.
  const sent = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let busy = false;
  let backoff = DELAY;

  const batch = (): [Event[], string] => {
    let chars = 0;
    let size = 0;
    // The oldest events that fit. One too large for any batch is skipped (and in time evicted by
    // newer ones): it must not block the queue.
    const events = outbox()
      .filter((e) => !sent.has(e.id) && (size = JSON.stringify(e).length) + chars < MAX_CHARS && (chars += size))
      .slice(0, MAX_EVENTS);
    return [events, envelope(events)];
  };

  const later = (ms: number): void => {
    timer ||= setTimeout(flush, ms);
  };

  async function flush(): Promise<void> {
    // A timer still pending finds the work done, or the fetch busy, and returns.
    timer = 0;
    const [events, body] = batch();
    if (busy || !events.length) return;
    let wait = 0;
    // Everything that can fail inside the try: a rejected promise would reach the page's
    // unhandledrejection handler. (The outbox holds only what JSON.stringify took once.)
    try {
      busy = true;
      events.forEach((e) => sent.add(e.id));
      const { status } = await fetch(endpoint, { method: "POST", body, keepalive: true });
      // 4xx other than 429 will never be accepted (of a 400 batch the collector already kept the
      // valid events); 429, 5xx and network errors are worth another try.
      if (status > 499 || status == 429) throw 0;
      save(outbox().filter((e) => !events.some((done) => done.id == e.id)));
      backoff = DELAY;
    } catch {
      wait = backoff = Math.min(backoff * 2, 6e4);
    }
    busy = false;
    events.forEach((e) => sent.delete(e.id));
    later(wait);
  }

  const exit = safe(() => {
    const [events, body] = batch();
    if (events.length && navigator.sendBeacon(endpoint, body)) events.forEach((e) => sent.add(e.id));
  });

  addEventListener("pagehide", exit);
  // A tab hidden and shown again is still the same page: what left by beacon is confirmed by
  // fetch, rather than piling up for the next page.
  addEventListener("visibilitychange", () => (document.hidden ? exit() : (sent.clear(), later(DELAY))));

  return (event: Event, now?: boolean): void => {
    save([...outbox(), event]);
    now ? flush() : later(DELAY);
  };
}
