/**
 * The dashboard as marketing and sales use it, in real Chromium against a collector with its own
 * config: feedback, search, filters, paging, the date range, one lead's views, accounts, the
 * webhook log and dev inbox, the what-if preview, a refused token, hostile stored data that must
 * stay text, the page under a path prefix, and the layout from a phone to a desktop in light and
 * dark. The collector runs with LEADLIGHT_BASE_PATH=/lead; it still answers at its root, where
 * most tests open the dashboard.
 */
import { readFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { AccountListItem, DeliveryLogEntry } from "../../shared/api";
import { humanUserAgent, launchChromium } from "../support/chromium";
import { freePort, startCollector, TEST_ADMIN_TOKEN, type Collector } from "../support/collector";

const CONFIG = JSON.parse(readFileSync(new URL("../fixtures/workers.config.json", import.meta.url), "utf8")) as {
  sites: { key: string; name: string; origins: string[] }[];
  scoring: { stages: { mql: { min_score: number } } };
};
const SITE = "pk_demo";
const HEADERS = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" };
/** More leads than one page of the list (50). */
const PAGING_LEADS = 52;
/** Companies of one lead each, so the accounts list (20 a page) has a second page. */
const SMALL_ACCOUNTS = 18;
/** The seeded leads: the hostile one, the paging ones, two at Acme, Globex's, the paid one, the small accounts'. */
const LEADS = 1 + PAGING_LEADS + 4 + SMALL_ACCOUNTS;
/** The seeded accounts: paging.example, xss.example, acme-corp.example, globex.example, paid.example and the small ones. */
const ACCOUNTS = 5 + SMALL_ACCOUNTS;

/** Every field a page or a chat widget controls, carrying markup that runs if parsed as HTML. */
const XSS = `"><img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script>`;
const XSS_EMAIL = "mallory@xss.example";
const BASE_PATH = "/lead";
/** Two people of one company: one account. */
const ACME = ["ana@acme-corp.example", "ben@acme-corp.example"];
/** A lead whose company alone matches a search for "industries". */
const GLOBEX = "zed@globex.example";
/** A lead who first came from a paid search ad. */
const PAID = "pat@paid.example";

let collector: Collector;
let browser: Browser;
let userAgent: string;
/** A webhook receiver that answers 500 to everything: its deliveries fail. */
let failing: Server;
let failingHits = 0;

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
  failing = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      failingHits++;
      response.writeHead(500).end("down");
    });
  });
  await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
  // The dev inbox is the collector's own route, so its port is chosen first.
  const port = await freePort();
  const webhook = (id: string, url: string, events: string[]) => ({ id, url, events, secret_env: "WEBHOOK_SECRET_SALES", format: "standard" });
  collector = await startCollector({
    port,
    config: {
      ...CONFIG,
      // Acme's two leads (60 points) make their account hot.
      accounts: { hot: { min_leads: 2, min_score: 50, within: "14d" } },
      webhooks: [
        webhook("sales", `http://127.0.0.1:${port}/dev/inbox/sales`, ["lead.sql", "account.hot"]),
        webhook("crm", `http://127.0.0.1:${(failing.address() as AddressInfo).port}/hook`, ["lead.sql"]),
      ],
    },
    // The retry schedule shrunk (24 h becomes under a second), so a failing endpoint fails for good in seconds.
    vars: { LEADLIGHT_BASE_PATH: BASE_PATH, LEADLIGHT_RETRY_SCALE: "0.00001" },
  });

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
  const identify = (email: string, traits: object) => api("/v1/identify", { method: "POST", body: JSON.stringify({ site: SITE, email, traits }) });
  await Promise.all(Array.from({ length: SMALL_ACCOUNTS }, (_, i) => identify(`owner@small-${i}.example`, { company: `Small ${i}` })));
  await identify(ACME[0] ?? "", { name: "Ana Lima", title: "VP Sales", company: "Acme Corp", company_size: 120 });
  await identify(ACME[1] ?? "", { name: "Ben Okafor", title: "Head of IT", company: "Acme Corp" });
  await identify(GLOBEX, { name: "Zed Moss", company: "Globex Industries" });
  const paid = await ingest("v-paid", [
    event(7, { type: "page_view", url: "https://www.site.test/?utm_source=google&utm_medium=cpc&utm_campaign=brand", title: "Home" }),
    event(8, { type: "identify", props: { email: PAID, traits: { name: "Pat Reyes" } } }),
  ]);
  if (paid.status !== 202) throw new Error(`the paid-search visit was refused: ${await paid.text()}`);
  // The list reads the lead index, seconds behind the leads themselves; accounts are fed by the
  // leads' alarms, later still.
  for (let tries = 0; (await api<{ leads: unknown[] }>("/v1/leads?limit=500")).leads.length < LEADS; tries++) {
    if (tries > 60) throw new Error("the lead index never listed every seeded lead");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (let tries = 0; ; tries++) {
    const { accounts } = await api<{ accounts: AccountListItem[] }>(`/v1/accounts?site=${SITE}&limit=500`);
    if (accounts.find((a) => a.domain === "acme-corp.example")?.leads === 2 && accounts.length === ACCOUNTS) break;
    if (tries > 120) throw new Error(`the accounts never formed: ${JSON.stringify(accounts)}\n${collector.output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // A collector, a browser and the seeded leads: minutes on a busy 2-core machine, not seconds.
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await collector?.stop();
  await new Promise((resolve) => (failing ? failing.close(resolve) : resolve(undefined)));
});

interface Opened {
  context: BrowserContext;
  page: Page;
  /** The admin API requests the page made, as URLs with their method, from the collector's root. */
  calls: string[];
  /** Every URL the page asked for. */
  requests: string[];
  dialogs: string[];
  errors: Error[];
}

async function open(path = "/dashboard", options: { colorScheme?: "light" | "dark"; width?: number } = {}): Promise<Opened> {
  const context = await browser.newContext({ userAgent, acceptDownloads: true, viewport: { width: options.width ?? 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  if (options.colorScheme) await page.emulateMedia({ colorScheme: options.colorScheme });
  const opened: Opened = { context, page, calls: [], requests: [], dialogs: [], errors: [] };
  page.on("request", (request) => {
    opened.requests.push(request.url());
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

const leads = (page: Page) => page.locator("#leads tr.row");

const leadId = async (email: string): Promise<string> => {
  const { leads } = await api<{ leads: { id: string }[] }>(`/v1/leads?email=${encodeURIComponent(email)}`);
  const id = leads[0]?.id;
  if (!id) throw new Error(`no lead for ${email}`);
  return id;
};

describe("finding leads", () => {
  test("pages through every lead, searches by exact email, filters by stage and score, and changes the funnel's range", async () => {
    const { page, calls, context, errors } = await open();
    expect(await page.locator("#leads tr.row").count()).toBe(50);
    await page.click("#next");
    await expect.poll(() => page.locator("#leads tr.row").count()).toBe(LEADS - 50);
    expect(calls.some((c) => c.startsWith("GET /v1/leads?") && c.includes("cursor="))).toBe(true);
    await page.click("#first");
    await expect.poll(() => page.locator("#leads tr.row").count()).toBe(50);

    await page.fill("#q", XSS_EMAIL);
    await page.click("#find button[type=submit]");
    await expect.poll(() => page.locator("#leads tr.row").count()).toBe(1);
    expect(await page.textContent("#leads")).toContain(XSS_EMAIL);
    expect(calls).toContainEqual(expect.stringContaining(`q=${encodeURIComponent(XSS_EMAIL)}`));
    await page.fill("#q", "nobody@nowhere.example");
    await page.click("#find button[type=submit]");
    await expect.poll(() => page.textContent("#leads")).toContain("No lead matches that search");

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

  test("searches by part of a company or a domain in any case, filters by first-touch channel, and marks unproven emails", async () => {
    const { page, calls, context, errors } = await open();
    const emails = async () => (await leads(page).locator("td:first-child button").allTextContents()).sort();
    await page.fill("#q", "industries");
    await page.click("#find button[type=submit]");
    await expect.poll(emails).toEqual([GLOBEX]);
    expect(calls).toContainEqual(expect.stringMatching(/^GET \/v1\/leads\?.*q=industries/));
    await page.fill("#q", "ACME-corp.example");
    await page.press("#q", "Enter");
    await expect.poll(emails).toEqual(ACME);
    expect(await page.textContent("#leads")).not.toContain("unverified");

    await page.click("#clear");
    await page.selectOption("#channel", "paid_search");
    await page.click("#find button[type=submit]");
    await expect.poll(emails).toEqual([PAID]);
    // Identified in the browser only: a claim, and the list says so (Acme's came from the site's server).
    expect(await leads(page).first().textContent()).toContain("unverified");
    expect(calls).toContainEqual(expect.stringMatching(/^GET \/v1\/leads\?.*channel=paid_search/));
    // Search and channel together: nobody from Acme came from a paid search ad.
    await page.fill("#q", "acme");
    await page.click("#find button[type=submit]");
    await expect.poll(() => page.textContent("#leads")).toContain("No lead matches that search");
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("accounts", () => {
  test("two leads of one company are one account with their summed score; it opens, shares its link, and leads to each lead", async () => {
    const scores = await Promise.all(ACME.map(async (email) => (await api<{ leads: { score: number }[] }>(`/v1/leads?email=${encodeURIComponent(email)}`)).leads[0]?.score ?? NaN));
    const { page, calls, context, errors } = await open();
    const row = page.locator('#accounts tr[data-domain="acme-corp.example"]');
    await row.waitFor();
    const cells = (await row.locator("td").allTextContents()).map((text) => text.trim());
    expect(cells[1]).toBe("2");
    expect(Number(cells[3])).toBe(scores.reduce((a, b) => a + b, 0));
    expect(calls).toContainEqual(expect.stringMatching(/^GET \/v1\/accounts\?limit=/));

    // By keyboard: the account's name is a link.
    await row.getByRole("link", { name: "acme-corp.example" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector("#account tr[data-id]");
    expect(new URL(page.url()).hash).toBe("#account=acme-corp.example&site=pk_demo");
    expect(calls).toContain("GET /v1/accounts/acme-corp.example?site=pk_demo");
    expect(await page.locator("#account tr[data-id] td:first-child").allTextContents()).toEqual(expect.arrayContaining(ACME));
    expect(await page.textContent("#account [data-score]")).toBe(cells[3]);
    const share = await page.getByRole("link", { name: "Link to this account" }).getAttribute("href");
    expect(share).toBe("/dashboard#account=acme-corp.example&site=pk_demo");

    await page.click(`#account a:text-is("${ACME[1]}")`);
    await expect.poll(() => page.textContent("#lead")).toContain(ACME[1]);
    // The lead opens beside the account, which stays open.
    expect(new URL(page.url()).hash).toBe(`#account=acme-corp.example&site=pk_demo&lead=${await leadId(ACME[1] ?? "")}`);
    expect(await page.locator("#account tr[data-id]").count()).toBe(2);
    await context.close();

    // The shared link opens the same account in a new tab.
    const shared = await open(share ?? "");
    await shared.page.waitForSelector("#account tr[data-id]");
    expect(await shared.page.textContent("#account")).toContain("acme-corp.example");
    expect([...errors, ...shared.errors]).toEqual([]);
    await shared.context.close();
  });

  test("the accounts list pages through every account and filters by a minimum score", async () => {
    const { page, calls, context } = await open();
    const rows = page.locator("#accounts tr[data-domain]");
    await expect.poll(() => rows.count()).toBe(20);
    await page.click("#accounts-next");
    await expect.poll(() => rows.count()).toBe(ACCOUNTS - 20);
    expect(calls).toContainEqual(expect.stringMatching(/^GET \/v1\/accounts\?.*cursor=/));
    await page.click("#accounts-first");
    await expect.poll(() => rows.count()).toBe(20);
    expect(await page.isHidden("#accounts-first")).toBe(true);

    await page.fill("#account-min", "100000");
    await page.click("#account-find button[type=submit]");
    await expect.poll(() => page.textContent("#accounts")).toContain("No account reaches that score");
    expect(calls).toContainEqual(expect.stringMatching(/^GET \/v1\/accounts\?min_score=100000/));
    await context.close();
  });
});

describe("webhooks", () => {
  test("a failed delivery is redelivered from the webhook log, an account alert links to its account, and the dev inbox shows the signed alert sales received", async () => {
    // The hostile lead asked for a demo: lead.sql, to the dev inbox and to the failing receiver.
    let failed: DeliveryLogEntry | undefined;
    for (let tries = 0; !failed; tries++) {
      const { deliveries } = await api<{ deliveries: DeliveryLogEntry[] }>("/v1/deliveries?limit=100");
      failed = deliveries.find((d) => d.endpoint === "crm" && d.status === "failed");
      if (tries > 120) throw new Error(`no delivery failed: ${JSON.stringify(deliveries)}`);
      if (!failed) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const { page, calls, context, errors } = await open();
    const inbox = page.locator("#inbox");
    await expect.poll(() => inbox.textContent()).toContain("✔ signature verified");
    expect(await inbox.textContent()).toContain('"type": "lead.sql"');
    const { messages } = await (await fetch(`${collector.url}/dev/inbox?limit=10`)).json() as { messages: { headers: Record<string, string>; verified: boolean }[] };
    const id = messages.find((m) => m.verified)?.headers["webhook-id"] ?? "";
    expect(await inbox.locator("code").allTextContents()).toContain(id);

    const hitsBefore = failingHits;
    const row = page.locator("#hooks tr", { hasText: "crm" }).filter({ hasText: "failed" });
    await row.getByRole("button", { name: "Redeliver" }).click();
    await expect.poll(() => calls).toContain(`POST /v1/deliveries/${encodeURIComponent(failed.id)}/redeliver`);
    // The collector tried the receiver again.
    await expect.poll(() => failingHits, { timeout: 15_000 }).toBeGreaterThan(hitsBefore);

    // An account's alert in the log links to the account.
    await page.locator("#hooks tr", { hasText: "account.hot" }).getByRole("link", { name: "acme-corp.example" }).click();
    await page.waitForSelector("#account tr[data-id]");
    expect(new URL(page.url()).hash).toBe("#account=acme-corp.example&site=pk_demo");
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("under a path prefix", () => {
  test("served at /lead/dashboard, every request and link the page makes stays under /lead", async () => {
    const id = await leadId(ACME[0] ?? "");
    const { page, requests, context, errors } = await open(`${BASE_PATH}/dashboard#lead=${id}&account=acme-corp.example&site=${SITE}`);
    await page.waitForSelector("#lead [data-score]");
    await page.waitForSelector("#account tr[data-id]");
    await page.waitForSelector("#hooks tr");
    // The stylesheet loaded: the header is laid out as a row.
    expect(await page.evaluate(() => getComputedStyle(document.querySelector("header") as Element).display)).toBe("flex");
    const stray = requests.filter((url) => !url.startsWith(`${collector.url}${BASE_PATH}/`));
    expect(stray).toEqual([]);
    expect(requests).toContainEqual(expect.stringContaining(`${BASE_PATH}/v1/leads?`));
    expect(await page.getByRole("link", { name: "Link to this lead" }).getAttribute("href")).toBe(`${BASE_PATH}/dashboard#lead=${id}`);
    expect(await page.getByRole("link", { name: "Link to this account" }).getAttribute("href")).toBe(`${BASE_PATH}/dashboard#account=acme-corp.example&site=${SITE}`);
    await page.click("#leads tr.row >> nth=1");
    await expect.poll(() => new URL(page.url()).pathname).toBe(`${BASE_PATH}/dashboard`);
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
  test("hostile markup in stored events and traits stays text in every view (accounts and search too), and the CSP forbids inline script", async () => {
    const response = await fetch(`${collector.url}/dashboard`);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");

    const id = await leadId(XSS_EMAIL);
    const { page, context, dialogs, errors } = await open(`/dashboard#lead=${id}&account=xss.example&site=${SITE}`);
    await page.waitForSelector("#lead [data-event]");
    await page.waitForSelector("#account tr[data-id]");
    await page.waitForSelector('#accounts tr[data-domain="xss.example"]');
    expect(await page.textContent("#account")).toContain(XSS_EMAIL);
    // Every timeline page, then the leads list searched by the hostile lead's email, and by markup
    // in its company and name.
    while (await page.isEnabled("#lead button:text-is('Older')")) await page.click("#lead button:text-is('Older')");
    await page.fill("#q", XSS_EMAIL);
    await page.click("#find button[type=submit]");
    await expect.poll(() => page.locator("#leads tr.row").count()).toBe(1);
    await page.fill("#q", "<script>window.__pwned=2");
    await page.click("#find button[type=submit]");
    await expect.poll(() => page.textContent("#leads")).toContain(XSS_EMAIL);
    expect(await page.locator("#leads tr.row").count()).toBe(1);
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
      test(`${width} px wide in ${colorScheme} mode: no horizontal scroll with a lead and an account open`, async () => {
        const id = await leadId(XSS_EMAIL);
        const { page, context } = await open(`/dashboard#lead=${id}&account=paging.example&site=${SITE}`, { width, colorScheme });
        await page.waitForSelector("#lead [data-event]");
        await page.waitForSelector("#account tr[data-id]");
        await page.waitForSelector("#accounts tr[data-domain]");
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
