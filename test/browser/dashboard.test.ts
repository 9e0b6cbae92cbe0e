/**
 * The dashboard as marketing and sales use it, in real Chromium against a collector with its own
 * config: feedback, search, filters, paging, the date range, one lead's views, the what-if
 * preview, a refused token, hostile stored data that must stay text, and the layout from a phone
 * to a desktop in light and dark.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { humanUserAgent, launchChromium } from "../support/chromium";
import { startCollector, TEST_ADMIN_TOKEN, type Collector } from "../support/collector";

const CONFIG = JSON.parse(readFileSync(new URL("../fixtures/workers.config.json", import.meta.url), "utf8")) as {
  sites: { key: string; name: string; origins: string[] }[];
  scoring: { stages: { mql: { min_score: number } } };
};
const SITE = "pk_demo";
const HEADERS = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" };
/** More leads than one page of the list (50). */
const PAGING_LEADS = 52;

/** Every field a page or a chat widget controls, carrying markup that runs if parsed as HTML. */
const XSS = `"><img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script>`;
const XSS_EMAIL = "mallory@xss.example";

let collector: Collector;
let browser: Browser;
let userAgent: string;

const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const response = await fetch(`${collector.url}${path}`, { ...init, headers: { ...HEADERS, ...init.headers } });
  return (await response.json()) as T;
};

const ingest = (visitor: string, events: object[]) =>
  fetch(`${collector.url}/v1/events`, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": userAgent },
    body: JSON.stringify({ site: SITE, visitor, events }),
  });

beforeAll(async () => {
  browser = await launchChromium({ human: true });
  userAgent = humanUserAgent(browser);
  collector = await startCollector({ config: { ...CONFIG, webhooks: [] } });

  const now = Date.now();
  const event = (n: number, rest: object) => ({ id: `ev-${n}-${Math.random().toString(36).slice(2)}`, ts: now, ...rest });
  const hostile = await ingest("v-mallory", [
    event(1, { type: "page_view", url: `https://www.site.test/pricing?utm_source=news&utm_campaign=${encodeURIComponent(XSS)}`, title: XSS, ref: "https://www.site.test/<b>ref</b>" }),
    event(2, { type: "download", url: "https://www.site.test/pricing", props: { href: `https://www.site.test/files/${encodeURIComponent(XSS)}.pdf` } }),
    event(3, { type: "chat", url: "https://www.site.test/pricing", props: { provider: XSS, action: XSS } }),
    event(4, { type: "identify", props: { email: XSS_EMAIL, traits: { name: XSS, title: "VP <i>Engineering</i>", company: XSS, company_size: 120 } } }),
    event(5, { type: "track", name: XSS, props: { [XSS]: XSS } }),
    event(6, { type: "track", name: "demo_request", props: { note: XSS } }),
  ]);
  if (hostile.status !== 202) throw new Error(`the hostile events were refused: ${await hostile.text()}`);
  for (let start = 0; start < PAGING_LEADS; start += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, PAGING_LEADS - start) }, (_, i) =>
        api("/v1/identify", { method: "POST", body: JSON.stringify({ site: SITE, email: `lead-${String(start + i).padStart(2, "0")}@paging.example`, traits: { company: "Paging" } }) }),
      ),
    );
  }
  // The list reads the lead index, seconds behind the leads themselves.
  for (let tries = 0; (await api<{ leads: unknown[] }>("/v1/leads?limit=500")).leads.length < PAGING_LEADS + 1; tries++) {
    if (tries > 60) throw new Error("the lead index never listed every seeded lead");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // A collector, a browser and the seeded leads: minutes on a busy 2-core machine, not seconds.
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await collector?.stop();
});

interface Opened {
  context: BrowserContext;
  page: Page;
  /** The admin API requests the page made, as URLs with their method. */
  calls: string[];
  dialogs: string[];
  errors: Error[];
}

async function open(path = "/dashboard", options: { colorScheme?: "light" | "dark"; width?: number } = {}): Promise<Opened> {
  const context = await browser.newContext({ userAgent, acceptDownloads: true, viewport: { width: options.width ?? 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  if (options.colorScheme) await page.emulateMedia({ colorScheme: options.colorScheme });
  const opened: Opened = { context, page, calls: [], dialogs: [], errors: [] };
  page.on("request", (request) => {
    if (request.url().includes("/v1/")) opened.calls.push(`${request.method()} ${request.url().slice(collector.url.length)}`);
  });
  page.on("dialog", (dialog) => {
    opened.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => opened.errors.push(error));
  await page.goto(`${collector.url}${path}`);
  await page.waitForSelector("#leads tr.row");
  return opened;
}

const leadId = async (email: string): Promise<string> => {
  const { leads } = await api<{ leads: { id: string }[] }>(`/v1/leads?email=${encodeURIComponent(email)}`);
  const id = leads[0]?.id;
  if (!id) throw new Error(`no lead for ${email}`);
  return id;
};

describe("finding leads", () => {
  test("pages through every lead, searches by email, filters by stage and score, and changes the funnel's range", async () => {
    const { page, calls, context, errors } = await open();
    expect(await page.locator("#leads tr.row").count()).toBe(50);
    await page.click("#next");
    await expect.poll(() => page.locator("#leads tr.row").count()).toBe(PAGING_LEADS + 1 - 50);
    expect(calls.some((c) => c.startsWith("GET /v1/leads?") && c.includes("cursor="))).toBe(true);
    await page.click("#first");
    await expect.poll(() => page.locator("#leads tr.row").count()).toBe(50);

    await page.fill("#q", XSS_EMAIL);
    await page.click("#find button[type=submit]");
    await expect.poll(() => page.locator("#leads tr.row").count()).toBe(1);
    expect(await page.textContent("#leads")).toContain(XSS_EMAIL);
    expect(calls).toContainEqual(expect.stringContaining(`email=${encodeURIComponent(XSS_EMAIL)}`));
    await page.fill("#q", "nobody@nowhere.example");
    await page.click("#find button[type=submit]");
    await expect.poll(() => page.textContent("#leads")).toContain("No lead has that email");

    await page.click("#clear");
    await page.selectOption("#stage", "sql");
    await page.fill("#min", "1");
    await page.click("#find button[type=submit]");
    await expect.poll(() => page.locator("#leads tr.row").count()).toBe(1);
    expect(calls).toContainEqual(expect.stringMatching(/^GET \/v1\/leads\?.*stage=sql&min_score=1/));

    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await page.fill("#from", day(-400));
    await page.fill("#to", day(-300));
    await page.click("#range button[type=submit]");
    await expect.poll(() => page.textContent('#funnel [data-stage="sql"] b')).toBe("0");
    // `to` is the day after the last one shown: the range includes the whole last day.
    expect(calls).toContainEqual(`GET /v1/stats?from=${day(-400)}&to=${day(-299)}`);
    await page.fill("#from", day(-1));
    await page.fill("#to", day(0));
    await page.click("#range button[type=submit]");
    await expect.poll(() => page.textContent('#funnel [data-stage="sql"] b')).toBe("1");
    expect(await page.locator("#channels tbody tr").count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("working a lead", () => {
  test("opens from its shared link, shows the timeline by kind, and records feedback with a clear refusal", async () => {
    const id = await leadId(XSS_EMAIL);
    const { page, context, errors } = await open(`/dashboard#lead=${id}`);
    await page.waitForSelector("#lead [data-event]");
    const lead = page.locator("#lead");
    expect(await lead.locator("svg.chart line.sql").count()).toBe(1);
    expect(await lead.locator("svg.chart circle.dot").count()).toBeGreaterThan(0);
    expect(await lead.locator('a[href^="/dashboard#lead="]').getAttribute("href")).toBe(`/dashboard#lead=${id}`);
    const text = (await lead.textContent()) ?? "";
    expect(text).toContain(`downloaded ${XSS}.pdf`);
    expect(text).toContain("chat ·");
    expect(text).toContain("VP <i>Engineering</i>");

    await page.click("#lead button:text-is('Accept')");
    await expect.poll(() => lead.textContent()).toContain("Recorded: accepted");
    await page.fill("#lead input[aria-label='Amount (with won)']", "12000");
    await page.click("#lead button:text-is('Won')");
    await expect.poll(() => lead.textContent()).toContain("Recorded: won");
    const view = await api<{ lead: { stage: string } }>(`/v1/leads/${id}`);
    expect(view.lead.stage).toBe("won");
    const exported = await api<{ feedback: { outcome: string; amount: number | null }[] }>(`/v1/leads/${id}/export`);
    expect(exported.feedback.map((f) => [f.outcome, f.amount])).toEqual([["accepted", null], ["won", 12000]]);

    await page.click("#lead button:text-is('Accept')");
    await expect.poll(() => lead.locator(".message.bad").textContent()).toContain("Not recorded");

    const download = page.waitForEvent("download");
    await page.click("#lead button:text-is('Export JSON')");
    expect((await download).suggestedFilename()).toBe(`lead-${id}.json`);
    expect(errors).toEqual([]);
    await context.close();
  });

  test("erases a lead only after the confirmation", async () => {
    const id = await leadId("lead-00@paging.example");
    const { page, context } = await open(`/dashboard#lead=${id}`);
    await page.waitForSelector("#lead [data-event]");
    await page.click("#lead button:text-is('Erase…')");
    await page.click("#lead button:text-is('Cancel')");
    expect((await fetch(`${collector.url}/v1/leads/${id}`, { headers: HEADERS })).status).toBe(200);
    await page.click("#lead button:text-is('Erase…')");
    await page.click("#lead button:text-is('Yes, erase')");
    await expect.poll(() => page.textContent("#lead")).toContain("The lead was erased");
    expect((await fetch(`${collector.url}/v1/leads/${id}`, { headers: HEADERS })).status).toBe(404);
    await context.close();
  });

  test("a candidate config runs as a what-if preview and shows stages before and after", async () => {
    const { page, context, calls } = await open();
    const candidate = structuredClone(CONFIG);
    candidate.scoring.stages.mql.min_score = 5;
    await page.fill("#candidate", JSON.stringify(candidate));
    await page.click("#preview button[type=submit]");
    await page.waitForSelector("#preview-out table");
    expect(calls).toContain("POST /v1/preview");
    expect(await page.textContent("#preview-out")).toMatch(/known leads replayed/);
    await page.fill("#candidate", "{ not json");
    await page.click("#preview button[type=submit]");
    await expect.poll(() => page.textContent("#preview-out")).toContain("The candidate is not JSON");
    await page.fill("#candidate", JSON.stringify({ sites: [] }));
    await page.click("#preview button[type=submit]");
    await expect.poll(() => page.textContent("#preview-out")).toContain("the candidate config is invalid");
    await context.close();
  });
});

describe("safety", () => {
  test("hostile markup in stored events stays text in every view, and the CSP forbids inline script", async () => {
    const response = await fetch(`${collector.url}/dashboard`);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");

    const id = await leadId(XSS_EMAIL);
    const { page, context, dialogs, errors } = await open(`/dashboard#lead=${id}`);
    await page.waitForSelector("#lead [data-event]");
    // Every timeline page, then the leads list searched by the hostile lead's email.
    while (await page.isEnabled("#lead button:text-is('Older')")) await page.click("#lead button:text-is('Older')");
    await page.fill("#q", XSS_EMAIL);
    await page.click("#find button[type=submit]");
    await expect.poll(() => page.locator("#leads tr.row").count()).toBe(1);
    expect(await page.textContent("#lead")).toContain(`campaign ${XSS}`);
    // The preview lists the hostile lead among the moves of a candidate with lower thresholds.
    const candidate = structuredClone(CONFIG);
    candidate.scoring.stages.mql.min_score = 1;
    await page.fill("#candidate", JSON.stringify(candidate));
    await page.click("#preview button[type=submit]");
    await page.waitForSelector("#preview-out table");
    const injected = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
      images: document.querySelectorAll("img").length,
      inlineScripts: [...document.querySelectorAll("script")].filter((s) => !s.src && s.type !== "application/json").length,
      handlers: [...document.querySelectorAll("*")].filter((el) => [...el.attributes].some((a) => a.name.startsWith("on"))).length,
    }));
    expect(injected).toEqual({ pwned: null, images: 0, inlineScripts: 0, handlers: 0 });
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  test("a refused token says so and stops polling until a good one is given", async () => {
    const context = await browser.newContext({ userAgent });
    const page = await context.newPage();
    // The page as a deployed collector serves it: no token in the boot JSON.
    await page.route("**/dashboard", async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(`"token":"${TEST_ADMIN_TOKEN}"`, '"token":null');
      await route.fulfill({ response, body });
    });
    const calls: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/v1/")) calls.push(request.url());
    });
    await page.goto(`${collector.url}/dashboard`);
    await page.waitForSelector("#token-form:not([hidden])");
    expect(calls).toEqual([]);
    await page.fill("#token", "wrong-token");
    await page.click("#token-form button");
    await expect.poll(() => page.textContent("#status")).toContain("admin token was refused");
    const after = calls.length;
    // Longer than one poll interval (3 s): a stopped page asks nothing more.
    await page.waitForTimeout(3_500);
    expect(calls.length).toBe(after);
    await page.fill("#token", TEST_ADMIN_TOKEN);
    await page.click("#token-form button");
    await page.waitForSelector("#leads tr.row");
    expect(await page.evaluate(() => sessionStorage.getItem("leadlight-token"))).toBe(TEST_ADMIN_TOKEN);
    await context.close();
  });
});

describe("layout", () => {
  for (const width of [360, 1280]) {
    for (const colorScheme of ["light", "dark"] as const) {
      test(`${width} px wide in ${colorScheme} mode: no horizontal scroll with a lead open`, async () => {
        const id = await leadId(XSS_EMAIL);
        const { page, context } = await open(`/dashboard#lead=${id}`, { width, colorScheme });
        await page.waitForSelector("#lead [data-event]");
        const sizes = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth,
          background: getComputedStyle(document.body).backgroundColor,
        }));
        expect(sizes.scroll).toBeLessThanOrEqual(sizes.client);
        const [r = 0, g = 0, b = 0] = (sizes.background.match(/\d+/g) ?? []).map(Number);
        expect((r + g + b) / 3 < 128).toBe(colorScheme === "dark");
        await context.close();
      });
    }
  }
});
