/**
 * The dead-letter queue's name lives twice: in wrangler.toml, where the queue is declared, and in
 * the queue() handler, which tells its batches from the index queue's by it. A rename in one
 * place alone would send lost copies to the index writer, or leave them with no consumer.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_QUEUE } from "./index-queue";

const toml = readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8");

/** The `[[queues.consumers]]` tables of wrangler.toml, each as its `key = "string"` pairs. */
function consumers(text: string): Record<string, string>[] {
  return text
    .split(/^\[\[?/m)
    .filter((table) => table.startsWith("queues.consumers]]"))
    .map((table) => Object.fromEntries([...table.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]])));
}

describe("the dead-letter queue's name", () => {
  it("is the dead_letter_queue wrangler.toml gives the index queue", () => {
    const index = consumers(toml).find((c) => c.queue === "leadlight-index");
    expect(index?.dead_letter_queue).toBe(DEAD_LETTER_QUEUE);
  });

  it("has a consumer in wrangler.toml, so lost copies reach the queue() handler", () => {
    expect(consumers(toml).map((c) => c.queue)).toContain(DEAD_LETTER_QUEUE);
  });
});
