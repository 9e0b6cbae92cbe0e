import { describe, expect, it } from "vitest";
import { settleEach } from "./pool";

describe("settleEach", () => {
  it("never runs more than the limit at once, and keeps the items' order", async () => {
    let running = 0;
    let peak = 0;
    const outcomes = await settleEach([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return n * 10;
    });
    expect(peak).toBe(3);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : null))).toEqual([50, 10, 40, 20, 30, 0, 60]);
  });

  it("reports a failed item and still runs the others", async () => {
    const outcomes = await settleEach(["a", "b", "c"], 2, async (s) => {
      if (s === "b") throw new Error("unreachable");
      return s.toUpperCase();
    });
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(outcomes[1]).toMatchObject({ reason: new Error("unreachable") });
  });

  it("answers an empty list with no outcomes", async () => {
    expect(await settleEach([], 20, async () => 1)).toEqual([]);
  });
});
