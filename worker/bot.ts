/**
 * Bot signals. Bots are flagged, never dropped: their events are stored with the reason and
 * never score, so a decision can be explained later.
 */
import { isbot } from "isbot";

export type BotReason = "user_agent" | "webdriver" | "timing";

/**
 * A user agent that calls itself a crawler. No site's own server sends one, so it is a bot
 * even on a request without an Origin.
 */
const SELF_DECLARED_CRAWLER = /bot|crawl|spider|slurp|headless/i;

/**
 * Signals that hold for the whole request: `navigator.webdriver` and the user agent.
 * A page's request (it carries an Origin) is judged by the whole bot list. A request without
 * one comes from the site's own server or a script of its owner (curl, a backend identify),
 * whose tool names every bot list contains, yet it speaks for a real visitor: it is flagged only
 * when its user agent declares a crawler (Googlebot, bingbot, HeadlessChrome).
 */
export function requestBotReason(request: {
  userAgent: string | undefined;
  fromPage: boolean;
  webdriver: boolean | undefined;
}): BotReason | null {
  if (request.webdriver) return "webdriver";
  if (request.fromPage && (!request.userAgent || isbot(request.userAgent))) return "user_agent";
  if (request.userAgent && isbot(request.userAgent) && SELF_DECLARED_CRAWLER.test(request.userAgent)) return "user_agent";
  return null;
}

/**
 * Inhuman timing: people do not view five or more pages within one second. Client clocks may
 * be wrong but they tick at the same rate, so the spread between client timestamps is usable.
 */
export function inhumanTiming(events: readonly { type: string; ts: number }[]): boolean {
  const views = events.filter((e) => e.type === "page_view").map((e) => e.ts).sort((a, b) => a - b);
  for (let i = 4; i < views.length; i++) {
    if ((views[i] as number) - (views[i - 4] as number) < 1_000) return true;
  }
  return false;
}
