/**
 * Delivery: the outbox that loses nothing, how answers of the collector are treated, and how the
 * collector serves the script. Real Chromium against a running collector, pages on another origin.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ofType, pause, setupHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await setupHarness();
});
afterAll(async () => {
  await h?.close();
});

/** leadlight(...args) inside the page. */
const call = (args: unknown[]) => (window as unknown as { leadlight: (...a: unknown[]) => void }).leadlight(...args);
const outbox = async (page: Page): Promise<{ id: string; type: string; name?: string }[]> =>
  JSON.parse((await page.evaluate(() => localStorage.getItem("ll_o"))) || "[]");

describe("the outbox", () => {
  test("a batch that failed while offline rides along with the next page's first batch, with the same ids", async () => {
    const { context, page } = await h.open();
    await page.goto(`${h.site.url}/offline/one.html`);
    const visitor = await h.visitorOf(page);
    await h.eventsWhen(visitor, (e) => e.length >= 1);

    await context.setOffline(true);
    await page.evaluate(call, ["track", "signup_while_offline"]);
    await expect.poll(async () => (await outbox(page)).map((e) => e.name)).toEqual(["signup_while_offline"]);
    const [{ id } = { id: "" }] = await outbox(page);

    // The collector stays out of reach while the visitor leaves, so the exit beacon fails too.
    const endpoint = `${h.collector.url}/v1/events`;
    await page.route(endpoint, (route) => route.abort());
    await context.setOffline(false);
    await page.click("#next");
    await page.waitForURL("**/offline/two.html");
    await page.unroute(endpoint);

    const events = await h.eventsWhen(visitor, (e) => e.some((event) => event.id === id) && ofType(e, "page_view").length >= 2);
    expect(events.filter((e) => e.name === "signup_while_offline").map((e) => e.id)).toEqual([id]);
    // No request of its own: it went with page two's first batch, beside page two's page view.
    const first = h.batches(page).find((b) => b.events.some((e) => e.type === "page_view" && e.id !== events[0]?.id));
    expect(first?.events.map((e) => e.id)).toContain(id);
  });

  test("5xx and 429 keep a batch for a retry; any other 4xx drops it, since it will never be accepted", async () => {
    const { page } = await h.open();
    const endpoint = `${h.collector.url}/v1/events`;
    let status = 503;
    let answered = 0;
    await page.route(endpoint, async (route) => {
      answered++;
      if (status === 0) return route.continue();
      // A real answer, readable cross-origin: without the CORS header it would look like a network error.
      return route.fulfill({ status, headers: { "Access-Control-Allow-Origin": h.site.url }, body: "{}" });
    });
    await page.goto(`${h.site.url}/spa/`);
    await expect.poll(() => answered, { timeout: 5_000 }).toBe(1);
    expect((await outbox(page)).map((e) => e.type)).toEqual(["page_view"]);

    status = 429;
    await page.evaluate(call, ["track", "kept"]);
    await expect.poll(() => answered).toBe(2);
    expect((await outbox(page)).map((e) => e.name ?? e.type)).toEqual(["page_view", "kept"]);

    status = 400;
    await page.evaluate(call, ["track", "refused"]);
    await expect.poll(async () => (await outbox(page)).length).toBe(0);
    const refusedAt = answered;
    await pause(2_500); // longer than the retry delay so far: nothing is retried
    expect(answered).toBe(refusedAt);

    status = 0;
    await page.evaluate(call, ["track", "accepted"]);
    const visitor = await h.visitorOf(page);
    const events = await h.eventsWhen(visitor, (e) => e.length >= 1);
    expect(events.map((e) => e.name ?? e.type)).toEqual(["accepted"]);
  });

  test("the outbox keeps the newest 100 events while the collector is unreachable, and no request carries more than 100", async () => {
    const { page } = await h.open();
    const endpoint = `${h.collector.url}/v1/events`;
    await page.route(endpoint, (route) => route.abort());
    await page.goto(`${h.site.url}/spa/`);
    await page.evaluate(() => {
      for (let i = 0; i < 150; i++) (window as unknown as { leadlight: (...a: unknown[]) => void }).leadlight("track", `step_${i}`);
    });
    // Captured events reach the outbox on the next flush, which starts at once for track calls.
    await expect.poll(async () => (await outbox(page)).length).toBe(100);
    const kept = await outbox(page);
    expect(kept[0]?.name).toBe("step_50");
    expect(kept[99]?.name).toBe("step_149");

    await page.unroute(endpoint);
    await page.evaluate(call, ["track", "back_online"]);
    const visitor = await h.visitorOf(page);
    const events = await h.eventsWhen(visitor, (e) => e.length >= 100);
    expect(events.map((e) => e.name)).toEqual([...Array.from({ length: 99 }, (_, i) => `step_${i + 51}`), "back_online"]);
    expect(Math.max(...h.batches(page).map((b) => b.events.length))).toBeLessThanOrEqual(100);
  });
});

describe("serving the script", () => {
  test("GET /s.js: JavaScript, an ETag, a cache lifetime, and 304 when the ETag still matches", async () => {
    const first = await fetch(`${h.collector.url}/s.js`);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
    expect(first.headers.get("cache-control")).toBe("public, max-age=3600, stale-while-revalidate=86400");
    expect(first.headers.get("set-cookie")).toBeNull();
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(await first.text()).toContain("/v1/events");

    const again = await fetch(`${h.collector.url}/s.js`, { headers: { "If-None-Match": `W/${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
  });

  test("a copy of the script hosted by the site sends to the collector named in data-api", async () => {
    const { page } = await h.open();
    await page.goto(`${h.site.url}/vendor/`);
    const visitor = await h.visitorOf(page);
    const events = await h.eventsWhen(visitor, (e) => e.length >= 1);
    expect(events.map((e) => e.title)).toEqual(["Self-hosted snippet"]);
    expect(h.site.requests.some((r) => r.path === "/v1/events")).toBe(false);
  });

  for (const [page, api] of [
    ["index.html", "/ll"],
    ["slash.html", "/ll/"],
  ]) {
    test(`data-api with a path prefix ("${api}") posts under that path, to a first-party proxy`, async () => {
      const { page: tab } = await h.open();
      await tab.goto(`${h.site.url}/proxy/${page}`);
      const visitor = await h.visitorOf(tab);
      const events = await h.eventsWhen(visitor, (e) => e.length >= 1);
      expect(events.map((e) => e.type)).toEqual(["page_view"]);
      const posts = h.site.requests.filter((r) => r.method === "POST").map((r) => r.path);
      expect(posts).toContain("/ll/v1/events");
      expect(posts.every((path) => path === "/ll/v1/events")).toBe(true);
      // Nothing went to the collector's own origin: the page only spoke to the site.
      expect(h.batches(tab)).toEqual([]);
    });
  }
});
