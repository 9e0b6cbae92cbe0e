import type { Inbox } from "./inbox";
import type { Lead } from "./lead";

/** What the Worker and its Durable Objects receive from wrangler.toml, vars and secrets. */
export interface Env {
  LEAD: DurableObjectNamespace<Lead>;
  INBOX: DurableObjectNamespace<Inbox>;
  /** The lead index: listing, funnel stats and the delivery log across leads. */
  LEAD_INDEX: D1Database;
  /** Ingest requests per site and visitor (wrangler.toml `[[ratelimits]]`). */
  INGEST_LIMIT?: RateLimit;
  /** "off" lifts the ingest rate limit (benchmarks that drive one lead hard). */
  LEADLIGHT_RATE_LIMIT?: string;
  /** Bearer token of the admin API. Unset: the admin API answers 401 to everyone. */
  ADMIN_TOKEN?: string;
  /** The config as a JSON string, instead of the bundled leadlight.config.json (tests, CI deploys). */
  LEADLIGHT_CONFIG?: string;
  /** "true" in local development: loopback webhook URLs are allowed and /dev/inbox is served. */
  LEADLIGHT_DEV?: string;
  /** Multiplies the webhook retry delays (e.g. "0.001" in tests); the schedule itself never changes. */
  LEADLIGHT_RETRY_SCALE?: string;
  /** Webhook signing secrets, named by each endpoint's `secret_env`. */
  [secret: string]: unknown;
}

export const isDev = (env: Env): boolean => env.LEADLIGHT_DEV === "true";
