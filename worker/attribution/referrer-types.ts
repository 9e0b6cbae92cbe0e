/** The shape of the known-referrer list, shared by the generated list and its lookup. */

/** What the list says a referrer is: `unknown` marks a known site that is not search (Google Maps). */
export const REFERRER_MEDIUMS = ["search", "social", "email", "paid", "referral", "unknown"] as const;
export type ReferrerMedium = (typeof REFERRER_MEDIUMS)[number];

/** Entries as `[medium, source name, hostnames]`; a hostname also covers its subdomains. */
export type ReferrerEntries = ReadonlyArray<readonly [ReferrerMedium, string, readonly string[]]>;
