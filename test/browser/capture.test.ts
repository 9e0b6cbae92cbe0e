/**
 * What the snippet captures without any site code, checked in real Chromium against a running
 * collector, the pages served from another origin as on a real site. "Exactly once" is read back
 * from the collector, which stores an event id once: a resent batch cannot hide a double count,
 * since a double count has two ids.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ofType, pause, settle, setupHarness, snippetReady, type Harness, type StoredEvent } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await setupHarness();
});
afterAll(async () => {
  await h?.close();
});


describe("page views", () => {
  test("the first view carries the referrer, the full URL with utm_* and search terms, and the title", async () => {
    const { page } = await h.open();
    const url = `${h.site.url}/spa/?utm_source=newsletter&utm_term=compare+vendors&q=pricing`;
    await page.goto(url, { referer: "https://search.example/?q=leadlight" });
    const visitor = await h.visitorOf(page);
    const [view] = ofType(await h.eventsWhen(visitor, (e) => ofType(e, "page_view").length >= 1), "page_view");
    expect(view).toMatchObject({ url, ref: "https://search.example/?q=leadlight", title: "SPA home", bot: null });
  });

  test("single-page-app navigations count once per real URL change; anchors and same-URL replaces do not", async () => {
    const { page } = await h.open();
    await page.goto(`${h.site.url}/spa/`);
    const visitor = await h.visitorOf(page);
    // People take their time: five views within a second would be flagged as inhuman timing.
    const step = async (action: () => Promise<unknown>) => {
      await action();
      await pause(300);
    };
    await step(() => page.evaluate(() => history.pushState({}, "", "/spa/pricing")));
    await step(() => page.evaluate(() => history.replaceState({ tab: 1 }, "", "/spa/pricing"))); // same URL
    await step(() => page.evaluate(() => history.replaceState({}, "", "/spa/pricing?plan=pro")));
    await step(() => page.click("#anchor")); // #features: a hash change is not a page
    await step(() => page.evaluate(() => history.pushState({}, "", "/spa/pricing?plan=pro"))); // same URL
    await step(() => page.goBack()); // popstate to the #features entry: same page
    await step(() => page.goBack()); // popstate to the entry replaced with ?plan=pro: same page
    await step(() => page.goBack()); // popstate to /spa/: a new view
    const paths = (events: StoredEvent[]) => ofType(events, "page_view").map((e) => new URL(e.url ?? "").pathname + new URL(e.url ?? "").search);
    const expected = ["/spa/", "/spa/pricing", "/spa/pricing?plan=pro", "/spa/"];
    await h.eventsWhen(visitor, (e) => paths(e).length >= expected.length);
    expect(paths(await settle(h, page, visitor))).toEqual(expected);
  });

  test("a page restored from the back-forward cache counts as a new view", async () => {
    const { page } = await h.open();
    await page.goto(`${h.site.url}/spa/`);
    const visitor = await h.visitorOf(page);
    await h.eventsWhen(visitor, (e) => ofType(e, "page_view").length === 1);
    await page.click("#leave");
    await page.waitForURL("**/spa/other.html");
    await pause(300);
    await page.goBack();
    const restored = await page.evaluate(() => (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).type);
    const titles = (events: StoredEvent[]) => ofType(events, "page_view").map((e) => e.title);
    const events = await h.eventsWhen(visitor, (e) => titles(e).length >= 3);
    expect(restored).toBe("back_forward");
    expect(titles(events)).toEqual(["SPA home", "Other page", "SPA home"]);
  });
});

describe("downloads", () => {
  test("clicks and middle-clicks on file links, download links and data-downloads extensions count once each", async () => {
    const { page } = await h.open();
    await page.goto(`${h.site.url}/downloads/`);
    const visitor = await h.visitorOf(page);
    await page.click("#pdf");
    await page.click("#zip", { button: "middle" });
    await page.click("#attr");
    await page.click("#key");
    await page.click("#mp4 span"); // the click lands on an element inside the link
    await page.click("#page"); // a page, not a file
    await page.click("#right", { button: "right" }); // opens a menu, downloads nothing
    const hrefs = (events: StoredEvent[]) => ofType(events, "download").map((e) => String(e.props?.href).replace(h.site.url, ""));
    const expected = ["/downloads/files/report.pdf", "/downloads/files/archive.zip", "/downloads/files/notes", "/downloads/files/deck.KEY", "/downloads/files/demo.mp4?autoplay=1"];
    await h.eventsWhen(visitor, (e) => hrefs(e).length >= expected.length);
    const events = await settle(h, page, visitor);
    expect(hrefs(events).sort()).toEqual(expected.sort());
    expect(ofType(events, "download").every((e) => e.url === `${h.site.url}/downloads/`)).toBe(true);
  });

  test("a download link that navigates away at once still delivers its event", async () => {
    const { page } = await h.open();
    await page.goto(`${h.site.url}/downloads/`);
    // Click the moment the snippet runs, before its first batch has left.
    await snippetReady(page);
    await page.click("#away");
    await page.waitForURL("**/downloads/thanks.html");
    const visitor = await h.visitorOf(page); // same origin: the id is still in localStorage
    const events = await h.eventsWhen(visitor, (e) => ofType(e, "download").length >= 1 && ofType(e, "page_view").length >= 1);
    expect(ofType(events, "download")).toEqual([expect.objectContaining({ props: { href: `${h.site.url}/downloads/whitepaper.pdf` } })]);
  });
});

/**
 * What each stand-in widget's open() and send() report through its public API, and what the
 * site's own handler, set before the snippet hooked in, records on open.
 */
const CHATS: Record<string, { actions: string[]; site: string }> = {
  intercom: { actions: ["opened"], site: "onShow" },
  drift: { actions: ["started", "message"], site: "startConversation" },
  hubspot: { actions: ["started"], site: "conversationStarted" },
  crisp: { actions: ["opened", "message"], site: "chat:opened" },
  tawk: { actions: ["started", "message"], site: "onChatStarted" },
  zendesk: { actions: ["opened"], site: "open" },
  livechat: { actions: ["opened", "message"], site: "visibility_changed:maximized" },
};

// Seven pages at once: each mostly waits for its widget to arrive.
describe.concurrent("chat widgets", () => {
  test.for(Object.entries(CHATS))(
    "%s: a conversation loaded after the snippet is captured once, and the site's own handler still runs",
    async ([provider, { actions, site }], { expect }) => {
      const { page } = await h.open();
      await page.goto(`${h.site.url}/chat/${provider}.html`);
      const visitor = await h.visitorOf(page);
      // The widget arrives 1.2 s after the page; the snippet looks for widgets once a second.
      await page.waitForFunction(() => (window as unknown as { __widget?: { hooked(): boolean } }).__widget?.hooked());
      await page.evaluate(() => {
        const widget = (window as unknown as { __widget: Record<"open" | "send" | "agent" | "close", (text?: string) => void> }).__widget;
        widget.open();
        widget.send("Do you integrate with our CRM?");
        widget.agent("We do! Which one do you use?"); // the agent's messages are not the visitor's
        widget.close();
      });
      expect(await page.evaluate(() => (window as unknown as { __site: string[] }).__site)).toContain(site);
      const chats = (events: StoredEvent[]) => ofType(events, "chat").map((e) => e.props);
      await h.eventsWhen(visitor, (e) => chats(e).length >= actions.length);
      expect(chats(await settle(h, page, visitor))).toEqual(actions.map((action) => ({ provider, action })));
    },
  );
});

// Widgets whose public API hands the page the email a visitor gives in the chat: Drift's
// emailCapture event, Crisp's user:email:changed, LiveChat's customer_data getter after its
// form_submitted event.
describe.concurrent("chat identity", () => {
  test.for(["drift", "crisp", "livechat"])("%s: an email given in the chat identifies the visitor", async (provider, { expect }) => {
    const { page } = await h.open();
    await page.goto(`${h.site.url}/chat/${provider}.html`);
    const visitor = await h.visitorOf(page);
    await page.waitForFunction(() => (window as unknown as { __widget?: { hooked(): boolean } }).__widget?.hooked());
    // One address per provider: two visitors who give the same email are one lead.
    const email = `grace.${provider}@example.com`;
    await page.evaluate((address) => (window as unknown as { __widget: { email(address: string): void } }).__widget.email(address), email);
    const identified = (events: StoredEvent[]) => ofType(events, "identify").map((e) => e.props);
    expect(identified(await h.eventsWhen(visitor, (e) => identified(e).length >= 1))).toEqual([{ email }]);
    expect((await h.lead(visitor))?.lead).toMatchObject({ email });
  });

  test("livechat: a form sent without an email identifies no one and costs no refused batch", async ({ expect }) => {
    const { page } = await h.open();
    const refused: number[] = [];
    page.on("response", (response) => {
      if (response.url().endsWith("/v1/events") && response.request().method() === "POST" && response.status() >= 400) refused.push(response.status());
    });
    await page.goto(`${h.site.url}/chat/livechat.html`);
    const visitor = await h.visitorOf(page);
    await page.waitForFunction(() => (window as unknown as { __widget?: { hooked(): boolean } }).__widget?.hooked());
    await page.evaluate(() => (window as unknown as { __widget: { survey(): void } }).__widget.survey());
    // A later chat action shows the survey's turn has passed through the snippet's queue.
    await page.evaluate(() => (window as unknown as { __widget: { open(): void } }).__widget.open());
    const chats = await h.eventsWhen(visitor, (e) => ofType(e, "chat").length >= 1);
    expect(ofType(chats, "identify")).toEqual([]);
    expect(refused).toEqual([]);
  });
});
