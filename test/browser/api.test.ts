/**
 * The JavaScript API, consent and privacy, bots, and a snippet that never loads: in real Chromium
 * against a running collector, the pages on another origin.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ofType, pause, settle, setupHarness, snippetReady, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await setupHarness();
});
afterAll(async () => {
  await h?.close();
});

type Leadlight = (...args: unknown[]) => void;
/** leadlight(...args) inside the page. */
const call = (args: unknown[]) => (window as unknown as { leadlight: Leadlight }).leadlight(...args);

describe("the API", () => {
  test("calls queued before the script loaded run first and in order; identify makes the lead known", async () => {
    const { context, page } = await h.open();
    await page.goto(`${h.site.url}/api/`);
    const visitor = await h.visitorOf(page);
    await page.evaluate(call, ["track", "after_load", { plan: "pro" }]);
    await pause(300);
    await page.evaluate(call, ["page"]);
    await h.eventsWhen(visitor, (e) => e.length >= 6);
    const events = await settle(h, page, visitor);

    // The queue ran before the automatic first page view, in the order the page made the calls.
    const sent = h.batches(page).flatMap((b) => b.events);
    const order = [...new Map(sent.map((e) => [e.id, e.name ?? e.type])).values()];
    expect(order).toEqual(["identify", "queued_first", "queued_second", "page_view", "after_load", "page_view"]);
    expect(ofType(events, "identify")).toEqual([
      expect.objectContaining({
        props: { email: "ada@example.com", traits: { name: "Ada Lovelace", title: "VP Engineering", company: "Analytical Engines", company_size: 120 } },
      }),
    ]);
    expect(ofType(events, "track").map((e) => [e.name, e.props])).toEqual([
      ["queued_first", { n: 1 }],
      ["queued_second", { n: 2 }],
      ["after_load", { plan: "pro" }],
    ]);
    expect(ofType(events, "page_view")).toHaveLength(2);
    const { lead } = (await h.lead(visitor)) ?? { lead: {} };
    expect(lead).toMatchObject({ email: "ada@example.com", bot: false });
    // A person's browser: no webdriver flag, and the snippet set no cookie.
    expect(h.batches(page).every((b) => !b.webdriver)).toBe(true);
    expect(await context.cookies()).toEqual([]);
  });
});

describe("consent and privacy", () => {
  test("('consent', false) queued before load: nothing is sent and no id is kept, until ('consent', true)", async () => {
    const { context, page } = await h.open();
    await page.goto(`${h.site.url}/consent/`);
    await snippetReady(page);
    await pause(1_500); // longer than the flush delay
    expect(h.batches(page)).toEqual([]);
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({ ll_v: "0" }); // a marker, no id

    await page.evaluate(call, ["consent", true]);
    const visitor = await h.visitorOf(page);
    expect(visitor).not.toBe("0");
    const events = await h.eventsWhen(visitor, (e) => e.length >= 1);
    // Only the page view the consent allowed: the track call made without consent is gone.
    expect(events.map((e) => e.type)).toEqual(["page_view"]);
    expect(await context.cookies()).toEqual([]);
  });

  test("('consent', false) later stops sending at once and forgets the visitor id and the outbox", async () => {
    const { page } = await h.open();
    await page.goto(`${h.site.url}/spa/`);
    const visitor = await h.visitorOf(page);
    await h.eventsWhen(visitor, (e) => e.length >= 1);
    // The first batch is confirmed (the outbox is empty again), so nothing is on its way.
    await expect.poll(() => page.evaluate(() => JSON.parse(localStorage.getItem("ll_o") || "[]").length)).toBe(0);
    await pause(100);
    await page.evaluate(() => history.pushState({}, "", "/spa/waiting")); // a page view waiting in the outbox
    await page.evaluate(call, ["consent", false]);
    await page.evaluate(call, ["track", "after_withdrawal"]);
    await page.evaluate(() => history.pushState({}, "", "/spa/elsewhere"));
    const stored: Record<string, string> = await page.evaluate(() => ({ ...localStorage }));
    expect(stored.ll_v).toBe("0"); // a marker in place of the id
    expect(JSON.parse(stored.ll_o || "[]")).toEqual([]);
    const sentBefore = h.batches(page).length;
    await pause(1_500);
    expect(h.batches(page).length).toBe(sentBefore);
    expect((await settle(h, page, visitor)).map((e) => e.type)).toEqual(["page_view"]);
  });

  for (const [signal, init] of [
    ["Global Privacy Control", () => Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true })],
    ["Do Not Track", () => Object.defineProperty(Navigator.prototype, "doNotTrack", { get: () => "1" })],
  ] as const) {
    test(`with data-respect-dnt, ${signal} stops all sending and storing`, async () => {
      const { page } = await h.open({ init });
      await page.goto(`${h.site.url}/dnt/`);
      await snippetReady(page);
      await page.evaluate(call, ["track", "anything"]);
      await pause(1_500);
      expect(h.batches(page)).toEqual([]);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      await page.close({ runBeforeUnload: true });
      await pause(300);
      expect(h.batches(page)).toEqual([]); // not even a beacon on the way out
    });
  }

  test("without those signals the same page is tracked (the privacy tests above are not vacuous)", async () => {
    const { page } = await h.open();
    await page.goto(`${h.site.url}/dnt/`);
    const visitor = await h.visitorOf(page);
    expect(ofType(await h.eventsWhen(visitor, (e) => e.length >= 1), "page_view")).toHaveLength(1);
  });

  test("without localStorage the visitor id lives in memory and events still arrive", async () => {
    const { page } = await h.open({
      init: () =>
        Object.defineProperty(window, "localStorage", {
          get() {
            throw new DOMException("storage is disabled", "SecurityError");
          },
        }),
    });
    const errors: Error[] = [];
    page.on("pageerror", (error) => errors.push(error));
    await page.goto(`${h.site.url}/storage/`);
    await snippetReady(page);
    await pause(1_300);
    const [batch] = h.batches(page);
    expect(batch?.visitor).toMatch(/^[\w.:-]+$/);
    const events = await h.eventsWhen(batch?.visitor ?? "", (e) => e.length >= 1);
    expect(events.map((e) => e.type)).toEqual(["page_view"]);
    expect(errors).toEqual([]);
  });
});

describe("bots and failures", () => {
  test("an automated browser (navigator.webdriver) is reported, and the collector flags its events", async () => {
    const { page } = await h.open({ bot: true });
    await page.goto(`${h.site.url}/spa/`);
    const visitor = await h.visitorOf(page);
    const events = await h.eventsWhen(visitor, (e) => e.length >= 1);
    expect(h.batches(page)[0]?.webdriver).toBe(true);
    expect(events[0]?.bot).toBe("webdriver");
    expect((await h.lead(visitor))?.lead.bot).toBe(true);
  });

  test("a page whose snippet fails to load keeps working: the stub swallows the calls, nothing throws", async () => {
    const { page } = await h.open();
    const errors: Error[] = [];
    page.on("pageerror", (error) => errors.push(error));
    await page.goto(`${h.site.url}/blocked/`);
    await page.click("#buy");
    await expect.poll(() => page.textContent("#status")).toBe("bought");
    // The queue holds the calls, harmlessly, in case the script arrives after all.
    expect(await page.evaluate(() => (window as unknown as { leadlight: { q: unknown[][] } }).leadlight.q.map((c) => c[0]))).toEqual([
      "identify",
      "track",
    ]);
    expect(errors).toEqual([]);
    expect(h.batches(page)).toEqual([]);
  });
});
