/** What the modules of a Lead object share: its storage operations, its score keeper, and its alarm. */
import type { Env } from "../env";
import type { OutboxStore } from "../webhooks/store";
import type { LeadScore } from "./score";
import type { LeadStore } from "./store";

export interface LeadContext {
  readonly env: Env;
  readonly store: LeadStore;
  readonly outbox: OutboxStore;
  readonly score: LeadScore;
  /** Runs `fn` in one SQLite transaction: all its writes or none. */
  transaction<T>(fn: () => T): T;
  /** Points the alarm at the earliest owed work (synchronous: call it in the block that made the work). */
  arm(): void;
}
