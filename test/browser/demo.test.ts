/**
 * The demo site as a newcomer clicks through it after `npm start`: every capture of the snippet
 * on the collector's own /demo/ pages, ending in a demo request that makes the lead SQL.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { humanUserAgent, launchChromium } from "../support/chromium";
import { freePort, startCollector, TEST_ADMIN_TOKEN, type Collector } from "../support/collector";

let collector: Collector;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  const config = JSON.parse(readFileSync(new URL("../../leadlight.config.json", import.meta.url), "utf8")) as {
    sites: { origins: string[] }[];
  };
  // The default config, with the demo site allowed on this collector's port instead of 8787.
  config.sites = config.sites.map((site) => ({ ...site, origins: [`http://127.0.0.1:${port}`] }));
  collector = await startCollector({ port, config: { ...config, webhooks: [] } });
  browser = await launchChromium({ human: true });
});

afterAll(async () => {
  await browser?.close();
  await collector?.stop();
});

test("browsing, downloading, chatting and requesting a demo on /demo/ turns the visitor into an SQL lead", async () => {
  const context = await browser.newContext({ userAgent: humanUserAgent(browser), acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: Error[] = [];
  page.on("pageerror", (error) => errors.push(error));
  const visit = async (label: string) => {
    await page.click(`nav >> text=${label}`);
    await page.waitForLoadState();
    await page.waitForTimeout(400);
  };

  await page.goto(`${collector.url}/demo/`);
  await visit("Pricing");
  await visit("Resources");
  await page.click("text=Download the PDF");
  await page.waitForTimeout(400);
  await page.goto(`${collector.url}/demo/pricing`);
  await page.click(".chat-launcher");
  await page.fill(".chat-form input", "Do you support SSO?");
  await page.press(".chat-form input", "Enter");
  await page.click("header.site a.button");
  await page.waitForURL("**/demo/request-demo");
  await page.fill("input[name=email]", "ada@analytical-engines.example");
  await page.fill("input[name=name]", "Ada Lovelace");
  await page.fill("input[name=title]", "VP Engineering");
  await page.fill("input[name=company]", "Analytical Engines");
  await page.click("text=Request my demo");
  await expect.poll(() => page.isVisible("#thanks")).toBe(true);

  const byEmail = `${collector.url}/v1/leads?email=${encodeURIComponent("ada@analytical-engines.example")}`;
  const headers = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  let lead: { id: string; stage: string } | undefined;
  await expect
    .poll(
      async () => {
        lead = ((await (await fetch(byEmail, { headers })).json()) as { leads: { id: string; stage: string }[] }).leads[0];
        return lead?.stage;
      },
      { timeout: 15_000 },
    )
    .toBe("sql");
  const { events } = (await (await fetch(`${collector.url}/v1/leads/${lead?.id}`, { headers })).json()) as {
    events: { type: string; name?: string; props?: Record<string, unknown> }[];
  };
  const kinds = events.map((e) => (e.type === "chat" ? `chat:${e.props?.action}` : (e.name ?? e.type)));
  expect(kinds.filter((k) => k === "page_view").length).toBeGreaterThanOrEqual(5);
  expect(kinds).toEqual(expect.arrayContaining(["download", "chat:opened", "chat:message", "identify", "demo_request"]));
  expect(events.find((e) => e.type === "download")?.props?.href).toMatch(/\/demo\/files\/acme-buyers-guide\.pdf$/);
  expect(errors).toEqual([]);
  await context.close();
});
