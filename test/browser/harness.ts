/**
 * What every browser test needs: the customer's site (scenario pages) and a real collector on two
 * different 127.0.0.1 origins, a Chromium, and ways to read back what the collector stored.
 */
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { humanUserAgent, launchChromium } from "../support/chromium";
import { startCollector, TEST_ADMIN_TOKEN, type Collector } from "../support/collector";
import { startSite, type Site } from "./site-server";

export const SITE_KEY = "pk_browser";

/** An event as the admin API shows it. */
export interface StoredEvent {
  id: string;
  type: string;
  name?: string;
  url?: string;
  ref?: string;
  title?: string;
  props?: Record<string, unknown>;
  ts: number;
  bot: string | null;
}

export interface Harness {
  site: Site;
  collector: Collector;
  /** A browser as a person's: `navigator.webdriver` is false; contexts get a desktop user agent. */
  browser: Browser;
  /**
   * A fresh context (own storage) and page; closed by `close()` if the test does not. `bot` opens
   * it in an automated browser as it comes (webdriver, headless user agent); `init` runs in every
   * page before its scripts.
   */
  open(options?: { bot?: boolean; init?: () => void }): Promise<{ context: BrowserContext; page: Page }>;
  /** The visitor id the snippet stored on the page's origin. */
  visitorOf(page: Page): Promise<string>;
  /** The lead of a visitor (null before its first event arrived) and its stored events. */
  lead(visitor: string): Promise<{ lead: Record<string, unknown>; events: StoredEvent[] } | null>;
  /** Polls the collector until `ready` holds for the visitor's events, then returns them. */
  eventsWhen(visitor: string, ready: (events: StoredEvent[]) => boolean, timeoutMs?: number): Promise<StoredEvent[]>;
  /** The bodies of every batch the page sent to the collector (fetch or beacon), in order. */
  batches(page: Page): { events: { id: string; type: string; name?: string; url?: string }[]; webdriver?: boolean; visitor: string }[];
  close(): Promise<void>;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const delay = pause;

export const ofType = (events: StoredEvent[], type: string) => events.filter((e) => e.type === type);

/** Resolves once the snippet on the page has run (the stub was replaced by the real function). */
export const snippetReady = (page: Page) =>
  page.waitForFunction(() => (window as unknown as { leadlight?: { l?: number } }).leadlight?.l === 1);

/**
 * Closes the page (pagehide: the snippet sends what is left), lets that batch land, and returns
 * everything the collector stored for the visitor: the final count, after which nothing can come.
 */
export async function settle(h: Harness, page: Page, visitor: string): Promise<StoredEvent[]> {
  await page.close({ runBeforeUnload: true });
  await pause(500);
  return (await h.lead(visitor))?.events ?? [];
}

export async function setupHarness(): Promise<Harness> {
  // The site's origin must be known before the collector starts: it is in the collector's config.
  const vars: Record<string, string> = { SITE: SITE_KEY };
  const site = await startSite(vars);
  const defaults = JSON.parse(readFileSync(new URL("../../leadlight.config.json", import.meta.url), "utf8")) as { scoring: object };
  const collector = await startCollector({
    config: { sites: [{ key: SITE_KEY, name: "Browser tests", origins: [site.url] }], scoring: defaults.scoring, webhooks: [] },
  });
  vars.COLLECTOR = collector.url;
  const [browser, botBrowser] = [await launchChromium({ human: true }), await launchChromium()];
  const contexts: BrowserContext[] = [];
  const sent = new WeakMap<Page, ReturnType<Harness["batches"]>>();

  const admin = async (path: string): Promise<unknown> => {
    const response = await fetch(`${collector.url}${path}`, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };

  const harness: Harness = {
    site,
    collector,
    browser,
    async open(options = {}) {
      const context = options.bot ? await botBrowser.newContext() : await browser.newContext({ userAgent: humanUserAgent(browser) });
      contexts.push(context);
      if (options.init) await context.addInitScript(options.init);
      const page = await context.newPage();
      const batches: ReturnType<Harness["batches"]> = [];
      sent.set(page, batches);
      page.on("request", (request) => {
        if (request.url() === `${collector.url}/v1/events` && request.method() === "POST")
          batches.push(JSON.parse(request.postData() ?? "{}") as ReturnType<Harness["batches"]>[number]);
      });
      return { context, page };
    },
    async visitorOf(page) {
      const id = await page.waitForFunction(() => localStorage.getItem("ll_v"), undefined, { timeout: 10_000 });
      return (await id.jsonValue()) as string;
    },
    async lead(visitor) {
      const found = (await admin(`/v1/leads?site=${SITE_KEY}&visitor=${encodeURIComponent(visitor)}`)) as { leads: { id: string }[] } | null;
      const id = found?.leads[0]?.id;
      if (!id) return null;
      return (await admin(`/v1/leads/${encodeURIComponent(id)}`)) as { lead: Record<string, unknown>; events: StoredEvent[] };
    },
    async eventsWhen(visitor, ready, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let events: StoredEvent[] = [];
      for (;;) {
        events = (await harness.lead(visitor))?.events ?? [];
        if (ready(events)) return events;
        if (Date.now() > deadline) throw new Error(`timed out waiting for events; have:\n${JSON.stringify(events, null, 1)}`);
        await delay(200);
      }
    },
    batches: (page) => sent.get(page) ?? [],
    async close() {
      await Promise.allSettled(contexts.map((c) => c.close()));
      await Promise.allSettled([browser.close(), botBrowser.close()]);
      await Promise.allSettled([collector.stop(), site.stop()]);
    },
  };
  return harness;
}
