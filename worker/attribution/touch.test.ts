import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextAttribution, startsTouch, Touch, touchOf, type Attribution, type Landing } from "./touch";

const SITE = ["https://acme.com", "http://127.0.0.1:8787"];
const PAGE = "https://acme.com/pricing";

const from = (ref: string, url = PAGE) => touchOf({ url, ref }, SITE);
const landing = (query: string, ref?: string) => touchOf({ url: `https://acme.com/${query}`, ref }, SITE);

describe("touchOf: referrers", () => {
  it.each([
    ["https://www.google.com/", "google"],
    ["https://www.google.co.uk/", "google"],
    ["https://www.bing.com/search?q=acme", "bing"],
    ["https://duckduckgo.com/", "duckduckgo"],
    ["https://search.yahoo.com/search?p=acme", "yahoo!"],
    ["https://www.baidu.com/link?url=x", "baidu"],
    ["https://yandex.ru/search/?text=acme", "yandex"],
    ["android-app://com.google.android.googlequicksearchbox/", "google"],
  ])("a search engine's referrer %s is organic search from %s", (ref, source) => {
    const touch = { channel: "organic_search", source, medium: "organic", campaign: null, term: null, referrer: ref };
    expect(from(ref)).toEqual(touch);
  });

  it.each([
    ["https://www.linkedin.com/", "linkedin"],
    ["https://lnkd.in/eAbCdEf", "linkedin"],
    ["https://t.co/xyz", "twitter"],
    ["https://x.com/", "twitter"],
    ["https://twitter.com/acme", "twitter"],
    ["https://m.facebook.com/", "facebook"],
    ["https://l.facebook.com/l.php?u=x", "facebook"],
    ["https://www.instagram.com/", "instagram"],
    ["https://www.reddit.com/r/devops/", "reddit"],
    ["https://www.youtube.com/", "youtube"],
  ])("a social network's referrer %s is organic social from %s", (ref, source) => {
    expect(from(ref)).toMatchObject({ channel: "organic_social", source, medium: "social", referrer: ref });
  });

  it("another site's referrer is a referral, named by its hostname", () => {
    expect(from("https://www.example.org/blog/best-ci-tools")).toEqual({
      channel: "referral",
      source: "example.org",
      medium: "referral",
      campaign: null,
      term: null,
      referrer: "https://www.example.org/blog/best-ci-tools",
    });
  });

  it("a known site that is not a search engine is a referral, not search", () => {
    expect(from("https://maps.google.com/").channel).toBe("referral");
    expect(from("https://docs.google.com/document/d/1").channel).toBe("referral");
  });

  it("a webmail referrer is email; an ad network's is other", () => {
    expect(from("https://mail.google.com/")).toMatchObject({ channel: "email", source: "gmail", medium: "email" });
    expect(from("https://ad.doubleclick.net/")).toMatchObject({ channel: "other", medium: "paid" });
  });
});

describe("touchOf: campaigns and click ids", () => {
  it("a newsletter link with utm_medium=email is email", () => {
    expect(landing("?utm_source=newsletter&utm_medium=email&utm_campaign=June%20Digest")).toEqual({
      channel: "email",
      source: "newsletter",
      medium: "email",
      campaign: "June Digest",
      term: null,
      referrer: null,
    });
    expect(landing("?utm_source=Mailchimp&utm_medium=E-Mail").channel).toBe("email");
    expect(landing("?utm_source=newsletter").channel).toBe("email");
  });

  it("a gclid is paid search from Google, whatever the referrer", () => {
    expect(landing("?gclid=Cj0KCQ", "https://www.google.com/")).toMatchObject({
      channel: "paid_search",
      source: "google",
      medium: "cpc",
      referrer: "https://www.google.com/",
    });
    expect(landing("?msclkid=abc")).toMatchObject({ channel: "paid_search", source: "bing", medium: "cpc" });
  });

  it("utm_medium=cpc from a search engine is paid search, with its term", () => {
    expect(landing("?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=acme+pricing")).toEqual({
      channel: "paid_search",
      source: "google",
      medium: "cpc",
      campaign: "brand",
      term: "acme pricing",
      referrer: null,
    });
    expect(landing("?utm_source=bing&utm_medium=ppc").channel).toBe("paid_search");
    expect(landing("?utm_source=partner&utm_medium=paidsearch").channel).toBe("paid_search");
  });

  it("paid media from a social network is paid social", () => {
    expect(landing("?utm_source=linkedin&utm_medium=paid_social").channel).toBe("paid_social");
    expect(landing("?utm_source=linkedin&utm_medium=cpc")).toMatchObject({ channel: "paid_social" });
    expect(landing("?utm_source=fb&utm_medium=paid").channel).toBe("paid_social");
    expect(landing("?utm_source=whatever&utm_medium=paid-social").channel).toBe("paid_social");
    expect(landing("?li_fat_id=abc").channel).toBe("paid_social");
  });

  it("fbclid alone is organic social: Facebook tags every link; a paid medium makes it paid", () => {
    const fromFacebook = landing("?fbclid=IwAR0", "https://l.facebook.com/");
    expect(fromFacebook).toMatchObject({ channel: "organic_social", source: "facebook" });
    expect(landing("?fbclid=IwAR0")).toMatchObject({ channel: "organic_social", source: "facebook", medium: null });
    expect(landing("?fbclid=IwAR0&utm_medium=paid_social").channel).toBe("paid_social");
  });

  it("campaign parameters win over the referrer", () => {
    const touch = landing("?utm_source=linkedin&utm_medium=social&utm_campaign=launch", "https://www.google.com/");
    expect(touch).toMatchObject({ channel: "organic_social", source: "linkedin", medium: "social" });
  });

  it("a medium alone takes its source from the referrer", () => {
    const touch = landing("?utm_medium=social", "https://lnkd.in/x");
    expect(touch).toMatchObject({ channel: "organic_social", source: "linkedin", medium: "social" });
  });

  it("source and medium are lower-cased; campaign and term are kept as written", () => {
    expect(landing("?UTM_SOURCE=LinkedIn&utm_medium=Paid_Social&utm_campaign=Q3+Launch&utm_term=CI")).toMatchObject({
      source: "linkedin",
      medium: "paid_social",
      campaign: "Q3 Launch",
      term: "CI",
    });
  });

  it("tagged traffic that fits no channel is other", () => {
    expect(landing("?utm_source=capterra&utm_medium=cpc").channel).toBe("other");
    expect(landing("?utm_source=partner&utm_medium=display").channel).toBe("other");
    expect(landing("?utm_campaign=spring").channel).toBe("other");
    expect(landing("?utm_source=partner&utm_medium=referral").channel).toBe("referral");
  });
});

describe("touchOf: direct and internal", () => {
  it("no referrer and no campaign is direct", () => {
    const direct = { channel: "direct", source: null, medium: null, campaign: null, term: null, referrer: null };
    expect(touchOf({ url: PAGE }, SITE)).toEqual(direct);
    expect(touchOf({ url: PAGE, ref: "" }, SITE)).toEqual(direct);
    expect(landing("?utm_source=", undefined)).toEqual(direct);
  });

  it("a referrer on the site itself is not a referral", () => {
    expect(from("https://acme.com/blog").channel).toBe("direct");
    expect(from("https://www.acme.com/blog").channel).toBe("direct");
    expect(from("https://docs.acme.com/start").channel).toBe("direct");
    expect(from("http://127.0.0.1:8787/", "http://127.0.0.1:8787/pricing").channel).toBe("direct");
    expect(from("https://acme.com/blog").referrer).toBeNull();
  });

  it("the landing page's own host is internal even when the config does not list it", () => {
    expect(touchOf({ url: "https://acme.dev/pricing", ref: "https://acme.dev/" }, SITE).channel).toBe("direct");
    expect(touchOf({ url: "https://acme.dev/pricing", ref: "https://acme.dev/" }, []).channel).toBe("direct");
  });

  it("a site whose name only ends like ours is another site", () => {
    expect(from("https://notacme.com/").channel).toBe("referral");
  });

  it("a URL or referrer that does not parse counts as absent", () => {
    expect(touchOf({ url: "not a url", ref: "::::" }, SITE).channel).toBe("direct");
    expect(touchOf({ url: "not a url", ref: "https://www.google.com/" }, SITE).channel).toBe("organic_search");
    expect(touchOf({ url: PAGE, ref: "about:blank" }, SITE).channel).toBe("direct");
    expect(touchOf({}, ["not an origin", ""]).channel).toBe("direct");
  });
});

describe("startsTouch", () => {
  it("a campaign, a click id or an external referrer starts a touch", () => {
    expect(startsTouch({ url: `${PAGE}?utm_campaign=spring` }, SITE)).toBe(true);
    expect(startsTouch({ url: `${PAGE}?gclid=x` }, SITE)).toBe(true);
    expect(startsTouch({ url: PAGE, ref: "https://news.ycombinator.com/item?id=1" }, SITE)).toBe(true);
  });

  it("an internal navigation, a route change and a direct visit do not", () => {
    expect(startsTouch({ url: PAGE, ref: "https://acme.com/" }, SITE)).toBe(false);
    expect(startsTouch({ url: PAGE }, SITE)).toBe(false);
    expect(startsTouch({ url: `${PAGE}?plan=team`, ref: "" }, SITE)).toBe(false);
  });

  it("never throws, and starts a touch exactly when the touch is not direct", () => {
    const pieces = [
      "https://", "http://", "acme.com", "www.", "google.com", "t.co", "/", "?", "&", "#", "=", "%", "%5F",
      "utm_source", "utm_medium", "UTM_CAMPAIGN", "gclid", "fbclid", "cpc", "email", "linkedin", " ", "::", "[", "é",
    ];
    const text = fc.array(fc.constantFrom(...pieces), { maxLength: 8 }).map((parts) => parts.join(""));
    const view = fc.record({ url: fc.option(text, { nil: undefined }), ref: fc.option(text, { nil: undefined }) });
    fc.assert(
      fc.property(view, fc.array(text, { maxLength: 2 }), (v: Landing, site) => {
        const touch = touchOf(v, site);
        expect(Touch.parse(touch)).toEqual(touch);
        expect(startsTouch(v, site)).toBe(touch.channel !== "direct");
      }),
      { numRuns: 2000 },
    );
  });
});

describe("nextAttribution", () => {
  const fold = (views: Landing[]): Attribution | null =>
    views.reduce<Attribution | null>((source, view) => nextAttribution(source, view, SITE), null);

  it("the first page view is both touches, even when direct", () => {
    const source = fold([{ url: PAGE }]);
    expect(source?.first.channel).toBe("direct");
    expect(source?.last).toBe(source?.first);
  });

  it("a later campaign replaces the last touch and keeps the first", () => {
    const source = fold([
      { url: PAGE, ref: "https://www.google.com/" },
      { url: `${PAGE}?utm_source=newsletter&utm_medium=email&utm_campaign=june` },
    ]);
    expect(source?.first.channel).toBe("organic_search");
    expect(source?.last).toMatchObject({ channel: "email", campaign: "june" });
  });

  it("internal navigations and direct returns leave the touches as they were", () => {
    const start = fold([{ url: `${PAGE}?utm_source=linkedin&utm_medium=paid_social` }]);
    let source = start;
    const later = [{ url: "https://acme.com/docs", ref: PAGE }, { url: "https://acme.com/blog" }, { url: PAGE, ref: "" }];
    for (const view of later) {
      source = nextAttribution(source, view, SITE);
    }
    expect(source).toBe(start);
  });
});
