/**
 * The setup of an end-to-end test that restarts a collector over the same storage and checks the
 * signed webhooks it sends: a receiver for the whole file, one storage directory that outlives
 * each collector (a restart or a deploy over the same leads), and teardown of all three. Call it
 * at the top of a test file: it registers its own beforeAll and afterAll.
 *
 * @example
 * const e2e = withReceiverAndCollector({ secret: SECRET });
 * it("…", async () => {
 *   const collector = await e2e.start({ ...bundled, webhooks: [e2e.webhook(["lead.mql"])] });
 *   await collector.stop();
 *   await e2e.start(otherRules); // same storage
 *   expect(e2e.alerts().map((a) => a.body.type)).toContain("lead.mql");
 * });
 */
import { rmSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect } from "vitest";
import type { AlertBody } from "../../shared/api";
import { type Collector, TEST_ADMIN_TOKEN, startCollector, storageDir } from "./collector";
import { type Receiver, type Received, startReceiver } from "./receiver";

/** A browser's user agent: the collector stores events of clients it takes for bots apart. */
export const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";

export interface ReceiverAndCollector {
  /** Starts a collector with `config` on the file's storage (a restart when one ran before), once the previous one is stopped or crashed. */
  start(config: object): Promise<Collector>;
  /** The collector started last (throws before the first start). */
  readonly collector: Collector;
  /** The "sales" endpoint of a config: the receiver, signed with the secret, for these event types. */
  webhook(events: string[]): { id: string; url: string; events: string[]; secret_env: string; format: "standard" };
  /** Every request the receiver got, in arrival order. */
  readonly received: Received[];
  /** Every webhook received so far, its signature verified (a bad one throws), with its `webhook-id`. */
  alerts(): { id: string; body: AlertBody }[];
  /** GET an admin route of the running collector; its status must be 200. */
  admin<T>(path: string): Promise<T>;
}

export function withReceiverAndCollector({ secret, vars = {} }: { secret: string; vars?: Record<string, string> }): ReceiverAndCollector {
  const storage = storageDir();
  let receiver: Receiver | undefined;
  let current: Collector | undefined;

  beforeAll(async () => {
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await current?.stop();
    await receiver?.close();
    rmSync(storage, { recursive: true, force: true });
  });

  const running = (): Collector => {
    if (!current) throw new Error("no collector started yet");
    return current;
  };

  return {
    async start(config) {
      // Retries every 0.001 of their delay: an alert a crash or a restart held back comes in seconds.
      current = await startCollector({ config, persistTo: storage, vars: { WEBHOOK_SECRET_SALES: secret, LEADLIGHT_RETRY_SCALE: "0.001", ...vars } });
      return current;
    },
    get collector() {
      return running();
    },
    webhook(events) {
      return { id: "sales", url: `http://127.0.0.1:${receiver?.port ?? 0}/hook`, events, secret_env: "WEBHOOK_SECRET_SALES", format: "standard" };
    },
    get received() {
      return receiver?.received ?? [];
    },
    alerts() {
      return (receiver?.received ?? []).map((r) => ({
        id: String(r.headers["webhook-id"]),
        body: new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as AlertBody,
      }));
    },
    async admin<T>(path: string): Promise<T> {
      const response = await fetch(`${running().url}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as T;
    },
  };
}
