/**
 * Launches the system Chromium through playwright-core, headless and quiet, for browser tests.
 *
 * Two things mark an automated browser, and the collector flags both as a bot: the user agent
 * (headless Chromium says "HeadlessChrome") and `navigator.webdriver`. Tests of human journeys
 * launch with `human: true` and open contexts with `humanUserAgent(browser)`; the test that proves
 * bots are flagged keeps both signals.
 *
 * @example
 * const browser = await launchChromium({ human: true });
 * const context = await browser.newContext({ userAgent: humanUserAgent(browser) });
 */
import { chromium, type Browser } from "playwright-core";
import CHROMIUM_FLAGS from "./chromium-flags.json";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchChromium(options: { human?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // One list for the tests and the benchmark (bench/page.mjs): headless, and quiet on a machine
    // with no network beyond loopback.
    args: [
      ...CHROMIUM_FLAGS,
      ...(options.human ? ["--disable-blink-features=AutomationControlled"] : []),
    ],
  });
}

/** The user agent desktop Chrome of the same version sends on Linux. */
export const humanUserAgent = (browser: Browser): string =>
  `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36`;
