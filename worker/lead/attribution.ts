/**
 * A lead's first and last touch, kept on its row. Each ingest folds the page views it stored, in
 * the order they arrived; a merge folds the whole history again, since the history it absorbed
 * is older than what this lead had folded so far.
 */
import { Attribution, type SiteOrigins, nextAttribution } from "../attribution/touch";
import type { Config } from "../config";
import type { LeadRow, LeadStore, StoredEvent } from "./store";

/** The site's own origins: a referrer on one of them is a navigation inside the site, not a touch. */
export const siteOrigins = (config: Config, site: string): SiteOrigins => config.sites.find((s) => s.key === site)?.origins ?? [];

/**
 * Stored attributions already parsed, by their JSON: every ingest reads its lead's, and parsing and
 * checking it each time was a few percent of a request's CPU. Shared by the isolate's objects,
 * so bounded; an attribution is never changed once made (`nextAttribution` makes a new one).
 */
const parsedSources = new Map<string, Attribution | null>();
const PARSED_SOURCES_MAX = 1_000;

/** The stored attribution, or null when there is none or it no longer parses (it is folded again with the next page view or merge). */
export function sourceOf(row: Pick<LeadRow, "source">): Attribution | null {
  if (row.source === null) return null;
  let source = parsedSources.get(row.source);
  if (source === undefined) {
    source = parseSource(row.source);
    if (parsedSources.size >= PARSED_SOURCES_MAX) parsedSources.clear();
    parsedSources.set(row.source, source);
  }
  return source;
}

function parseSource(json: string): Attribution | null {
  try {
    const parsed = Attribution.safeParse(JSON.parse(json));
    if (!parsed.success) return null;
    // Shared by every lead of the isolate that has this attribution: never to be changed.
    Object.freeze(parsed.data.first);
    Object.freeze(parsed.data.last);
    return Object.freeze(parsed.data);
  } catch {
    return null;
  }
}

const isHumanView = (event: Pick<StoredEvent, "type" | "bot">): boolean => event.type === "page_view" && event.bot === null;

/** Bots' page views say nothing about where buyers come from. */
function fold(previous: Attribution | null, events: Iterable<Pick<StoredEvent, "type" | "url" | "ref" | "bot">>, site: SiteOrigins): Attribution | null {
  let source = previous;
  for (const event of events) {
    if (!isHumanView(event)) continue;
    source = nextAttribution(source, { url: event.url ?? undefined, ref: event.ref }, site);
  }
  return source;
}

/** Folds page views just stored (duplicates left out) into the lead's attribution. Call in the ingest's block. */
export function attributeNew(store: LeadStore, site: SiteOrigins, stored: readonly StoredEvent[]): void {
  const row = store.row();
  if (!row) return;
  const before = sourceOf(row);
  if (before === null) {
    // None yet, and no page view to start one: folding the history again would find none either
    // (a lead fed only by a site's server read its whole history on every batch).
    if (!stored.some(isHumanView)) return;
    // A new lead, or one stored before attribution was kept, whose older views count too.
    return attributeAll(store, site);
  }
  const after = fold(before, stored, site);
  if (after !== before) store.setSource(after);
}

/** Folds the lead's whole history again, in receive order: after a merge. Call in the merge's block. */
export function attributeAll(store: LeadStore, site: SiteOrigins): void {
  store.setSource(fold(null, store.history(), site));
}
