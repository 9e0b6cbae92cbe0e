/**
 * How the collector notices new scoring rules. The rules come bundled or in LEADLIGHT_CONFIG, so
 * they change only with a deploy (or a changed variable, which is one too), and a deploy starts
 * fresh isolates. The first request an isolate serves tells the Sweeper which rules it runs
 * with, after the answer (waitUntil); the Sweeper starts a sweep when those rules were not swept
 * yet. Every later request of the isolate costs one comparison.
 */
import type { Env } from "../env";
import { log, reason } from "../log";
import { loadConfig, scoringVersion } from "../settings";

/** The one Sweeper of the collector. */
export const sweeper = (env: Env) => env.SWEEPER.get(env.SWEEPER.idFromName("sweeper"));

/** When the Sweeper could not be told (or ran other rules, mid-deploy), ask again after this long. */
const ASK_AGAIN_MS = 60_000;

/** What this isolate last told the Sweeper, and whether the Sweeper took it. */
type Told = { version: string; at: number; taken: boolean };
let told: Told | undefined;

/**
 * Tells the Sweeper the rules this isolate serves with, once per isolate and rules version.
 *
 * @example
 * export default { fetch: (request, env, ctx) => (noticeRules(env, ctx), app.fetch(request, env, ctx)) };
 */
export function noticeRules(env: Env, ctx: Pick<ExecutionContext, "waitUntil">): void {
  let version: string;
  try {
    version = scoringVersion(loadConfig(env));
  } catch {
    // An invalid config: the request itself answers invalid_config, and nothing is swept with it.
    return;
  }
  const now = Date.now();
  if (told?.version === version && (told.taken || now - told.at < ASK_AGAIN_MS)) return;
  const asking: Told = { version, at: now, taken: false };
  told = asking;
  ctx.waitUntil(
    sweeper(env)
      .ensure(version)
      .then(
        (taken) => {
          asking.taken = taken;
        },
        (error: unknown) => log("warn", "sweep.notice_failed", { version, reason: reason(error), retry_in_ms: ASK_AGAIN_MS }),
      ),
  );
}
