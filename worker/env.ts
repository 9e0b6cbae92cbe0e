/**
 * The Worker's environment. Its type is generated from wrangler.toml and .dev.vars.example by
 * `npm run cf-typegen` (worker-configuration.d.ts; `npm test` fails when it is stale), so a
 * misspelt binding does not type-check. Secrets named in the config (webhooks' `secret_env`)
 * are read through `secret`, the one place that looks a name up.
 */
import type { DeliveryEnv } from "./webhooks/delivery";

export type Env = Cloudflare.Env;

/** Local development (`npm start`, tests): loopback webhooks, the demo site and /dev/inbox. */
export const isDev = (env: Pick<Env, "LEADLIGHT_DEV">): boolean => env.LEADLIGHT_DEV === "true";

/** A secret (or var) by name; undefined when it is not set or empty. */
export function secret(env: Env, name: string): string | undefined {
  const value: unknown = (env as unknown as Record<string, unknown>)[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** What webhook delivery needs from the environment. */
export const deliveryEnv = (env: Env): DeliveryEnv => ({
  dev: isDev(env),
  retryScale: env.LEADLIGHT_RETRY_SCALE,
  index: env.LEAD_INDEX,
  secret: (name) => secret(env, name),
});

/** A Host header naming this machine (with any port): what a page the developer opened by name sends. */
export const isLoopbackHost = (host: string): boolean => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host);
