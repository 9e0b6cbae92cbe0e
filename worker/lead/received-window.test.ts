import { describe, expect, it } from "vitest";
import { type Received, ReceivedWindow } from "./received-window";

/** Events 1..n, received 100 ms apart from 100. */
const spaced = (n: number): Received[] => Array.from({ length: n }, (_, i) => ({ seq: i + 1, at: (i + 1) * 100 }));

/** A lead's events table as the window reads it, counting the reads. */
function table(events: Received[]) {
  const reads = { tally: 0, list: 0 };
  const inWindow = (since: number) => events.filter((e) => e.at >= since);
  const window = new ReceivedWindow({
    tally: (since) => {
      reads.tally++;
      const recent = inWindow(since);
      return {
        count: recent.length,
        oldest: recent.length ? Math.min(...recent.map((e) => e.at)) : null,
        newestSeq: recent.length ? Math.max(...recent.map((e) => e.seq)) : null,
      };
    },
    list: (since, cap) => {
      reads.list++;
      return inWindow(since)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)
        .slice(-cap);
    },
  });
  const store = (seq: number, at: number) => {
    events.push({ seq, at });
    window.remember(seq, at);
  };
  /** A rolled-back transaction: its events are gone (their seqs given out again) and the store forgets. */
  const rollBack = (n: number) => {
    events.sort((a, b) => a.seq - b.seq).splice(-n, n);
    window.forget();
  };
  /** What a scan of the table answers: the truth the memory must match. */
  const truth = (since: number, cap: number) => Math.min(inWindow(since).length, cap);
  return { window, reads, store, rollBack, truth };
}

describe("ReceivedWindow (the hourly budget's memory)", () => {
  it("answers a woken lead's counts from one aggregate read while no counted event leaves the window", () => {
    const { window, reads, store, truth } = table(spaced(3));
    expect(window.count(150, 1000)).toBe(2);
    store(4, 400);
    store(5, 410);
    expect(window.count(190, 1000)).toBe(truth(190, 1000));
    expect(window.count(200, 1000)).toBe(4);
    expect(reads).toEqual({ tally: 1, list: 0 });
  });

  it("reads the list once the window passes the tally's oldest event, then keeps it without reading", () => {
    const { window, reads, store, truth } = table(spaced(3));
    expect(window.count(50, 1000)).toBe(3);
    expect(window.count(150, 1000)).toBe(truth(150, 1000));
    for (let seq = 4; seq < 10; seq++) {
      store(seq, seq * 100);
      expect(window.count(seq * 100 - 250, 1000)).toBe(truth(seq * 100 - 250, 1000));
    }
    expect(reads).toEqual({ tally: 1, list: 1 });
  });

  it("counts up to the cap in either form", () => {
    const events = Array.from({ length: 8 }, (_, i) => ({ seq: i + 1, at: 100 + i }));
    const { window, store } = table(events);
    expect(window.count(0, 5)).toBe(5);
    store(9, 200);
    expect(window.count(103, 5)).toBe(5);
    expect(window.count(199, 5)).toBe(1);
  });

  it("leaves out events a hand-over brings in from before the window, and counts those inside it", () => {
    const { window, reads, store, truth } = table([{ seq: 1, at: 500 }]);
    expect(window.count(400, 1000)).toBe(1);
    // Merged history: new seqs, older receive times.
    store(2, 100);
    store(3, 450);
    expect(window.count(400, 1000)).toBe(truth(400, 1000));
    // The one from before the window did not make the tally give way to the list.
    expect(reads.list).toBe(0);
    expect(window.count(460, 1000)).toBe(truth(460, 1000));
  });

  it("reads again after the table changed behind it (a seq given out again) or after forget", () => {
    const { window, reads } = table(spaced(2));
    window.count(0, 1000);
    window.remember(2, 300);
    window.count(0, 1000);
    expect(reads.tally).toBe(2);
    // One it remembered itself, then the same seq again.
    window.remember(3, 400);
    window.remember(3, 410);
    window.count(0, 1000);
    expect(reads.tally).toBe(3);
    window.forget();
    window.count(0, 1000);
    expect(reads.tally).toBe(4);
  });

  it("reads again when the list meets a seq given out again", () => {
    const { window, reads } = table(spaced(2));
    window.count(0, 1000);
    window.count(150, 1000);
    expect(reads.list).toBe(1);
    window.remember(2, 300);
    window.count(150, 1000);
    expect(reads.tally).toBe(2);
  });

  it("reads again for a cap larger than the one the list was cut to, and for a window start further back", () => {
    const events = Array.from({ length: 6 }, (_, i) => ({ seq: i + 1, at: 100 * (i + 1) }));
    const { window, truth } = table(events);
    expect(window.count(150, 5)).toBe(5);
    expect(window.count(150, 2)).toBe(2);
    expect(window.count(150, 5)).toBe(truth(150, 5));
    expect(window.count(50, 10)).toBe(truth(50, 10));
    expect(window.count(450, 10)).toBe(truth(450, 10));
    expect(window.count(250, 10)).toBe(truth(250, 10));
  });

  it("matches a scan of the table over any run of stores, roll-backs and counts", () => {
    // Deterministic pseudo-random runs: receive times mostly rising, now and then a hand-over's older one.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 50; run++) {
      const { window, store, rollBack, truth } = table([]);
      let seq = 0;
      let now = 1000;
      for (let step = 0; step < 200; step++) {
        now += Math.floor(next() * 30);
        const roll = next();
        if (roll < 0.65) store(++seq, next() < 0.1 ? now - Math.floor(next() * 500) : now);
        else if (roll < 0.7 && seq > 0) {
          const n = 1 + Math.floor(next() * Math.min(seq, 3));
          rollBack(n);
          seq -= n;
        } else {
          // Mostly the budget's own cap and a window that moves forward; now and then neither.
          const cap = next() < 0.8 ? 10 : 1 + Math.floor(next() * 20);
          const since = now - (next() < 0.9 ? 300 : 300 + Math.floor(next() * 300));
          expect(window.count(since, cap)).toBe(truth(since, cap));
        }
      }
    }
  });
});
