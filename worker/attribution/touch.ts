/**
 * Attribution: where a visit came from. A touch is read from the page a visitor lands on (its
 * utm_* parameters and ad click ids) and the referrer, and grouped into one channel the way
 * analytics tools' default channel groupings do (GA4's, simplified). A lead keeps its first touch
 * and its last one; a direct visit never replaces a last touch (last non-direct click), so a
 * campaign keeps the credit when the visitor comes back through a bookmark.
 */
import * as z from "zod";
import { knownReferrer, sourceMedium, type ReferrerMedium } from "./referrers";

export const CHANNELS = [
  "direct", "organic_search", "paid_search", "organic_social", "paid_social", "email", "referral", "other",
] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

/** One touch. Source and medium are lower-cased; campaign and term are kept as written. */
export const Touch = z.strictObject({
  channel: Channel,
  source: z.string().nullable(),
  medium: z.string().nullable(),
  campaign: z.string().nullable(),
  term: z.string().nullable(),
  /** The external referrer as the browser gave it; null for none, an internal one or no URL. */
  referrer: z.string().nullable(),
});
export type Touch = z.infer<typeof Touch>;

/** A lead's `source`: the touch that brought it first, and the latest one that was not direct. */
export const Attribution = z.strictObject({ first: Touch, last: Touch });
export type Attribution = z.infer<typeof Attribution>;

/**
 * A page view as the snippet sends it: the page's URL and, on a page load only, the document's
 * referrer (`ref`, possibly ""). A wire `page_view` event fits as it is.
 */
export interface Landing {
  readonly url?: string;
  readonly ref?: string | null;
}

/**
 * The site's own origins or hostnames (`sites[].origins` in the config fits as it is). A referrer
 * on one of them, on a subdomain of one, or on the landing page's own hostname is internal;
 * "www." is ignored on both sides.
 */
export type SiteOrigins = readonly string[];

/**
 * Ad click ids, set by the ad platforms' auto-tagging. They fill a source or medium the utm_*
 * parameters leave out. fbclid has no medium: Facebook adds it to every outbound link, ad or not,
 * so it names the network and only a paid utm_medium makes the visit paid.
 */
const CLICK_IDS: Readonly<Record<string, { readonly source: string; readonly medium: string | null }>> = {
  gclid: { source: "google", medium: "cpc" },
  gbraid: { source: "google", medium: "cpc" },
  wbraid: { source: "google", medium: "cpc" },
  dclid: { source: "google", medium: "display" },
  msclkid: { source: "bing", medium: "cpc" },
  yclid: { source: "yandex", medium: "cpc" },
  li_fat_id: { source: "linkedin", medium: "cpc" },
  twclid: { source: "twitter", medium: "cpc" },
  ttclid: { source: "tiktok", medium: "cpc" },
  fbclid: { source: "facebook", medium: null },
};

const CAMPAIGN_PARAMS = new Set(["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id"]);

// Media compared with spaces, hyphens and underscores removed: "paid_social" is "paidsocial".
const PAID = /^(?:.*cp.*|ppc|sem|retargeting|paid.*)$/;
const EMAIL = new Set(["email", "newsletter", "newsletters"]);
const SOCIAL = new Set(["social", "socialnetwork", "socialmedia", "sm", "organicsocial"]);
const REFERRAL = new Set(["referral", "app", "link"]);

/** The medium a touch read from a referrer alone carries, by what the referrer is. */
const REFERRER_MEDIUM: Readonly<Record<ReferrerMedium, string>> = {
  search: "organic",
  social: "social",
  email: "email",
  paid: "paid",
  referral: "referral",
  unknown: "referral",
};

const parseUrl = (text: string | null | undefined): URL | null => {
  if (!text) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
};

/** A hostname as compared: lower-case, no trailing dot, no "www.". */
const bareHost = (hostname: string): string => hostname.toLowerCase().replace(/\.$/, "").replace(/^www\./, "");

const originHosts = new WeakMap<SiteOrigins, readonly string[]>();

function siteHosts(site: SiteOrigins): readonly string[] {
  let hosts = originHosts.get(site);
  if (hosts === undefined) {
    hosts = site.flatMap((origin) => {
      const url = parseUrl(origin.includes("://") ? origin : `http://${origin}`);
      return url === null || url.hostname === "" ? [] : [bareHost(url.hostname)];
    });
    originHosts.set(site, hosts);
  }
  return hosts;
}

interface Arrival {
  /** Lower-cased parameter names to trimmed, non-empty values, for the campaign and click-id ones. */
  readonly params: ReadonlyMap<string, string>;
  /** The referrer when it is another site's, with its bare hostname. */
  readonly external: { readonly url: string; readonly host: string } | null;
}

function read({ url, ref }: Landing, site: SiteOrigins): Arrival {
  const referrer = parseUrl(ref);
  // Most page views are a single-page app's route changes: no query and no referrer to read.
  const page = url !== undefined && (url.includes("?") || referrer !== null) ? parseUrl(url) : null;
  const params = new Map<string, string>();
  for (const [name, value] of page?.searchParams ?? []) {
    const key = name.toLowerCase();
    const trimmed = value.trim();
    if (trimmed !== "" && !params.has(key) && (CAMPAIGN_PARAMS.has(key) || Object.hasOwn(CLICK_IDS, key))) {
      params.set(key, trimmed);
    }
  }
  if (!ref || referrer === null || referrer.hostname === "") return { params, external: null };
  const host = bareHost(referrer.hostname);
  const own = page === null || page.hostname === "" ? siteHosts(site) : [...siteHosts(site), bareHost(page.hostname)];
  const internal = own.some((siteHost) => host === siteHost || host.endsWith(`.${siteHost}`));
  return { params, external: internal ? null : { url: ref, host } };
}

const startsWith = (arrival: Arrival): boolean => arrival.params.size > 0 || arrival.external !== null;

/** The channel of a tagged or referred visit, after GA4's default channel group rules. */
function channelOf({ source, medium, kind, fromReferrer }: Origin): Channel {
  const flat = (medium ?? "").replace(/[\s_-]+/g, "");
  if (PAID.test(flat)) {
    if (flat.includes("social") || kind === "social") return "paid_social";
    if (flat.includes("search") || flat === "sem" || kind === "search") return "paid_search";
    return "other";
  }
  if (EMAIL.has(flat) || (source !== null && EMAIL.has(source.replace(/[\s_-]+/g, "")))) return "email";
  if (SOCIAL.has(flat)) return "organic_social";
  if (flat === "organic") return "organic_search";
  if (kind === "social") return "organic_social";
  if (kind === "search") return "organic_search";
  if (kind === "email") return "email";
  if (REFERRAL.has(flat) || (fromReferrer && kind !== "paid")) return "referral";
  return "other";
}

interface Origin {
  readonly source: string | null;
  readonly medium: string | null;
  /** What the source is known as: a search engine, a social network, ... */
  readonly kind: ReferrerMedium | null;
  /** True when only the referrer told where the visit came from. */
  readonly fromReferrer: boolean;
}

/** The source is what the campaign says, else what an ad click id says, else the referrer. */
function originOf({ params, external }: Arrival): Origin {
  const click = Object.entries(CLICK_IDS).find(([name]) => params.has(name))?.[1];
  const utmSource = params.get("utm_source")?.toLowerCase();
  const utmMedium = params.get("utm_medium")?.toLowerCase();
  const source = utmSource ?? click?.source;
  if (source !== undefined) {
    return { source, medium: utmMedium ?? click?.medium ?? null, kind: sourceMedium(source), fromReferrer: false };
  }
  if (external === null) return { source: null, medium: utmMedium ?? null, kind: null, fromReferrer: false };
  const known = knownReferrer(external.host);
  return {
    source: known?.source.toLowerCase() ?? external.host,
    medium: utmMedium ?? REFERRER_MEDIUM[known?.medium ?? "referral"],
    kind: known?.medium ?? null,
    fromReferrer: true,
  };
}

function touchFrom(arrival: Arrival): Touch {
  const origin = originOf(arrival);
  return {
    channel: startsWith(arrival) ? channelOf(origin) : "direct",
    source: origin.source,
    medium: origin.medium,
    campaign: arrival.params.get("utm_campaign") ?? null,
    term: arrival.params.get("utm_term") ?? null,
    referrer: arrival.external?.url ?? null,
  };
}

/**
 * The touch a page view records: its channel, source, medium, campaign and term from the URL's
 * utm_* parameters and ad click ids (gclid, msclkid, fbclid, ...), else from the referrer (a
 * search engine is organic search, a social network organic social, webmail email, another site
 * a referral), else direct. Never throws: a URL or referrer that does not parse counts as absent.
 *
 * @example
 * const site = ["https://acme.com"];
 * touchOf({ url: "https://acme.com/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=q3" }, site);
 * // { channel: "paid_social", source: "linkedin", medium: "paid_social", campaign: "q3", term: null,
 * //   referrer: null }
 * touchOf({ url: "https://acme.com/pricing", ref: "https://www.google.co.uk/" }, site);
 * // { channel: "organic_search", source: "google", medium: "organic", campaign: null, term: null,
 * //   referrer: "https://www.google.co.uk/" }
 */
export function touchOf(landing: Landing, site: SiteOrigins): Touch {
  return touchFrom(read(landing, site));
}

/**
 * Whether a page view starts a new touch: its URL carries campaign parameters or an ad click id,
 * or it was reached from another site. A navigation inside the site (an internal referrer, or none
 * on a single-page app's route change) does not, and neither does a direct visit: it is true
 * exactly when `touchOf` would say anything but `direct`.
 *
 * @example
 * const site = ["https://acme.com"];
 * startsTouch({ url: "https://acme.com/docs", ref: "https://acme.com/" }, site);           // false
 * startsTouch({ url: "https://acme.com/?gclid=abc" }, site);                               // true
 * startsTouch({ url: "https://acme.com/", ref: "https://news.ycombinator.com/" }, site);   // true
 */
export function startsTouch(landing: Landing, site: SiteOrigins): boolean {
  return startsWith(read(landing, site));
}

/**
 * A lead's attribution after one more page view: the first page view sets both touches (even a
 * direct one); a later one that starts a touch (see `startsTouch`) replaces the last. Fold a
 * lead's page views in time order; a merged history is folded again from the start. Returns
 * `previous` itself when nothing changes, so a caller can skip a write.
 *
 * @example
 * let source: Attribution | null = null;
 * for (const view of pageViews) source = nextAttribution(source, view, site.origins);
 */
export function nextAttribution(previous: Attribution | null, landing: Landing, site: SiteOrigins): Attribution {
  const arrival = read(landing, site);
  if (previous === null) {
    const touch = touchFrom(arrival);
    return { first: touch, last: touch };
  }
  return startsWith(arrival) ? { first: previous.first, last: touchFrom(arrival) } : previous;
}
