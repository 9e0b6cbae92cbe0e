/**
 * 5. Page impact, in Chromium, on the demo site the collector serves: a new visitor (a fresh
 * browser context) opens /demo/ then /demo/pricing in one tab. Per page: the time the snippet's
 * evaluation holds the main thread, the long tasks it makes, and the requests it sends, counted
 * from the first load to `pagehide` when the tab closes.
 *
 * No performance trace: tracing slows the page down several times over. The served /s.js gets a
 * `performance.mark` before and after its code instead, long tasks come from the "longtask"
 * observer, and the Long Animation Frames API says which long frames ran the snippet's code.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT } from "./lib/paths.mjs";
import { median, sleep } from "./lib/stats.mjs";
import { ADMIN_TOKEN, defaultConfig, startCollector } from "./lib/targets.mjs";
import { freePort } from "./lib/wrangler.mjs";
import CHROMIUM_FLAGS from "../test/support/chromium-flags.json" with { type: "json" };

const { chromium } = createRequire(join(ROOT, "package.json"))("playwright-core");

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  ...CHROMIUM_FLAGS,
  // A person's browser: without it the collector flags the visit as a bot (still stored).
  "--disable-blink-features=AutomationControlled",
];
const LONG_TASK_MS = 50;

/** Installed before any page script: long tasks and long animation frames from the start. */
function observeMainThread() {
  window.__longTasks = [];
  window.__longFrames = [];
  const observe = (type, keep) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach((entry) => keep(entry))).observe({ type, buffered: true });
    } catch {
      // Not supported by this browser: reported as none.
    }
  };
  observe("longtask", (entry) => window.__longTasks.push(entry.duration));
  observe("long-animation-frame", (entry) =>
    window.__longFrames.push({
      duration: entry.duration,
      scripts: entry.scripts.map((script) => ({ url: script.sourceURL, duration: script.duration, invoker: script.invoker })),
    }),
  );
}

const MARKS = { start: "leadlight:evaluate:start", end: "leadlight:evaluate:end" };

const fromSnippet = (script) => /\/s\.js(\?|$)/.test(script.url ?? "");

/** What the page saw while loading: evaluation time, long tasks, long frames running s.js. */
async function readPage(page, path) {
  const seen = await page.evaluate(
    ({ start, end }) => ({
      evaluateMs: performance.measure("leadlight:evaluate", start, end).duration,
      longTasks: window.__longTasks,
      longFrames: window.__longFrames,
      visitor: localStorage.getItem("ll_v"),
    }),
    MARKS,
  );
  const frames = seen.longFrames
    .filter((frame) => frame.scripts.some(fromSnippet))
    .map((frame) => ({
      ms: frame.duration,
      snippetMs: frame.scripts.filter(fromSnippet).reduce((sum, script) => sum + script.duration, 0),
      scripts: frame.scripts.map((script) => `${script.invoker} ${script.duration.toFixed(0)} ms`),
    }));
  return {
    path,
    evaluateMs: seen.evaluateMs,
    longTasks: seen.longTasks.length,
    // Long frames that ran snippet code, and those the snippet made long: over 50 ms with it,
    // not without its own script time.
    snippetLongFrames: frames.length,
    causedLongFrames: frames.filter((frame) => frame.ms - frame.snippetMs <= LONG_TASK_MS).length,
    snippetLongFrameDetail: frames,
    visitor: seen.visitor,
  };
}

/**
 * A new visitor's first two pages in one tab, as a person browses: the first page pays for cold
 * caches and storage, the second not. Every request the snippet makes is counted, from the first
 * load to `pagehide` of the last page, when the tab closes.
 */
async function visit(browser, collector) {
  const context = await browser.newContext({
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36`,
  });
  const beacons = [];
  let scripts = 0;
  context.on("request", (request) => {
    const { pathname } = new URL(request.url());
    if (pathname === "/s.js") scripts++;
    if (pathname !== "/v1/events" || request.method() !== "POST") return;
    let pages = [];
    try {
      pages = JSON.parse(request.postData() ?? "{}").events.filter((e) => e.type === "page_view").map((e) => new URL(e.url).pathname);
    } catch {
      // Not a batch: counted, with no page view in it.
    }
    beacons.push({ via: request.resourceType(), pages });
  });
  try {
    await context.addInitScript(observeMainThread);
    // The same script, between two marks: what its evaluation costs, measured by the page itself.
    await context.route(`${collector.url}/s.js`, async (route) => {
      const response = await route.fetch();
      const code = await response.text();
      await route.fulfill({
        response,
        body: `performance.mark(${JSON.stringify(MARKS.start)});${code}\n;performance.mark(${JSON.stringify(MARKS.end)});`,
      });
    });
    const page = await context.newPage();
    const views = [];
    for (const path of ["/demo/", "/demo/pricing"]) {
      const flushed = page.waitForResponse((r) => new URL(r.url()).pathname === "/v1/events", { timeout: 10_000 });
      await page.goto(`${collector.url}${path}`, { waitUntil: "load", timeout: 30_000 });
      await page.waitForFunction(() => window.leadlight?.l === 1, null, { timeout: 10_000 });
      await flushed;
      // Long enough for a second flush, had the snippet scheduled one.
      await sleep(1_500);
      views.push(await readPage(page, path));
    }
    // pagehide: the snippet sends whatever is still unsent, by beacon.
    await page.close({ runBeforeUnload: true });
    await sleep(500);
    const stored = await storedEvents(collector, views[0].visitor);
    const sentOnce = views.every((view) => beacons.filter((b) => b.pages.includes(view.path)).length === 1);
    return { first: views[0], later: views[1], beacons: beacons.length, pageViews: views.length, sentOnce, scripts, stored };
  } finally {
    await context.close();
  }
}

async function storedEvents(collector, visitor) {
  if (!visitor) return null;
  const response = await fetch(`${collector.url}/v1/leads?site=pk_demo&visitor=${encodeURIComponent(visitor)}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) return null;
  const { leads } = await response.json();
  return leads[0]?.events_total ?? 0;
}

export async function measurePage({ reps = 3, visitsPerRep = 6, log = () => {} } = {}) {
  // The demo pages carry data-site="pk_demo"; the site's origin is the collector's own. The demo
  // is served only by a collector in local development (LEADLIGHT_DEV).
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const config = { ...defaultConfig(), sites: [{ key: "pk_demo", name: "Demo", origins: [origin] }], webhooks: [] };
  let collector;
  let browser;
  try {
    collector = await startCollector({ name: "page", config, port, vars: { LEADLIGHT_DEV: "true" } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    await visit(browser, collector); // warm-up: the collector's and the browser's first use
    const runs = [];
    for (let rep = 0; rep < reps; rep++) {
      const visits = [];
      for (let i = 0; i < visitsPerRep; i++) visits.push(await visit(browser, collector));
      const views = visits.flatMap((v) => [v.first, v.later]);
      const run = {
        firstEvaluateMs: median(visits.map((v) => v.first.evaluateMs)),
        laterEvaluateMs: median(visits.map((v) => v.later.evaluateMs)),
        causedLongFrames: views.reduce((n, v) => n + v.causedLongFrames, 0),
        snippetLongFrames: views.reduce((n, v) => n + v.snippetLongFrames, 0),
        pageLongTasks: views.reduce((n, v) => n + v.longTasks, 0),
        beaconsPerView: visits.reduce((n, v) => n + v.beacons, 0) / visits.reduce((n, v) => n + v.pageViews, 0),
        oneBeaconEach: visits.every((v) => v.beacons === v.pageViews && v.sentOnce),
        allStored: visits.every((v) => v.stored === v.pageViews),
        views: views.length,
        visits,
      };
      runs.push(run);
      log(
        `  rep ${rep + 1}: s.js evaluation ${run.firstEvaluateMs.toFixed(2)} ms on a visit's first page, ${run.laterEvaluateMs.toFixed(2)} ms on the next;` +
          ` long tasks made by s.js ${run.causedLongFrames}, long frames running s.js ${run.snippetLongFrames},` +
          ` long tasks on the pages ${run.pageLongTasks}; beacons per page view ${run.beaconsPerView}`,
      );
      for (const frame of views.flatMap((v) => v.snippetLongFrameDetail)) {
        log(`    a ${frame.ms.toFixed(0)} ms frame ran ${frame.snippetMs.toFixed(1)} ms of s.js; its scripts: ${frame.scripts.join(", ")}`);
      }
    }
    const firstMs = median(runs.map((r) => r.firstEvaluateMs));
    const laterMs = median(runs.map((r) => r.laterEvaluateMs));
    const caused = median(runs.map((r) => r.causedLongFrames));
    const everyViewOneBeacon = runs.every((r) => r.oneBeaconEach);
    const everyViewStored = runs.every((r) => r.allStored);
    const perView = median(runs.map((r) => r.beaconsPerView));
    return {
      settings: { reps, visitsPerRep },
      chromium: browser.version(),
      runs,
      figures: [
        {
          id: "page.evaluate.first",
          label: "Snippet evaluation, a visit's first page",
          value: firstMs,
          unit: "ms",
          target: "",
          met: null,
        },
        {
          id: "page.evaluate.later",
          label: "Snippet evaluation, a later page",
          value: laterMs,
          unit: "ms",
          target: "",
          met: null,
        },
        {
          id: "page.longtasks",
          label: `Long tasks (> ${LONG_TASK_MS} ms) made by the snippet, per ${runs[0]?.views ?? 0} views`,
          value: caused,
          unit: "",
          display:
            `${caused} (in all ${runs.reduce((n, r) => n + r.causedLongFrames, 0)} in ${runs.reduce((n, r) => n + r.views, 0)} views;` +
            ` long frames running s.js ${median(runs.map((r) => r.snippetLongFrames))}, long tasks any cause ${median(runs.map((r) => r.pageLongTasks))})`,
          target: "0",
          met: caused === 0,
        },
        {
          id: "page.beacons",
          label: "Beacon requests per page view (load to pagehide)",
          value: perView,
          unit: "",
          display: `${perView} (each page view in exactly one: ${everyViewOneBeacon ? "yes" : "no"}; all stored: ${everyViewStored ? "yes" : "no"})`,
          target: "1",
          met: everyViewOneBeacon && everyViewStored,
        },
      ],
    };
  } finally {
    await browser?.close();
    await collector?.stop();
  }
}
