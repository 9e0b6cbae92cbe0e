/**
 * Search intent: which funnel stage a search term signals. "how to reduce churn" is a reader;
 * "acme vs globex pricing" is choosing a vendor; "buy acme licence" is ready to pay.
 */
import { INTENT_CLASSES, type IntentClass } from "../config";
import type { Props } from "../../shared/wire";

/** Extra words and phrases per class, as `intent_terms` in the config. */
export type IntentTerms = Partial<Record<IntentClass, readonly string[]>>;

/** The default vocabulary, from the domain's own guides (see DESIGN.md, "Scoring"). */
export const INTENT_VOCABULARY: Readonly<Record<IntentClass, readonly string[]>> = {
  awareness: [
    "troubleshoot", "increase", "improve", "transform", "optimize", "enhance",
    "upgrade", "prevent", "update", "diagnose", "resolve", "how to",
  ],
  consideration: ["tool", "provider", "vendor", "software", "supplier", "solution", "appliance", "choose", "location"],
  decision: [
    "compare", "comparison", "vs", "versus", "review", "reviews", "test", "evaluate",
    "pros and cons", "benchmark", "benchmarks", "free trial", "pricing",
  ],
  transactional: ["buy", "purchase", "order", "quote"],
};

/** Classes tried strongest first, so a term that names two stages lands in the later one. */
const STRONGEST_FIRST: readonly IntentClass[] = [...INTENT_CLASSES].reverse();

/** One precompiled whole-word pattern per class, strongest class first. */
export type IntentMatcher = ReadonlyArray<readonly [IntentClass, RegExp]>;

const escapeRegExp = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

const phrasePattern = (phrase: string): string => phrase.trim().split(/\s+/).map(escapeRegExp).join("\\s+");

/**
 * Compiles the vocabulary, plus any extra terms, into one regular expression per class.
 * Word edges are Unicode-aware, so "testing" is not "test" and "prüfen" stays one word.
 */
export function compileIntent(extra: IntentTerms = {}): IntentMatcher {
  return STRONGEST_FIRST.map((intentClass) => {
    const words = [...INTENT_VOCABULARY[intentClass], ...(extra[intentClass] ?? [])].filter((w) => w.trim() !== "");
    const alternatives = words.map(phrasePattern).join("|");
    return [intentClass, new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives})(?![\\p{L}\\p{N}_])`, "iu")] as const;
  });
}

/** The class a term signals under a compiled matcher, or null when it names none. */
export function classifyWith(matcher: IntentMatcher, term: string): IntentClass | null {
  for (const [intentClass, pattern] of matcher) if (pattern.test(term)) return intentClass;
  return null;
}

const DEFAULT_MATCHER = compileIntent();
const compiledExtras = new WeakMap<IntentTerms, IntentMatcher>();

/**
 * The funnel stage a search term signals; the strongest wins when it names several
 * (transactional > decision > consideration > awareness).
 *
 * @example
 * classifyIntent("how to improve onboarding");        // "awareness"
 * classifyIntent("Acme vs. Globex pricing");          // "decision"
 * classifyIntent("acme alternative", { decision: ["alternative"] }); // "decision"
 */
export function classifyIntent(term: string, extra?: IntentTerms): IntentClass | null {
  if (extra === undefined) return classifyWith(DEFAULT_MATCHER, term);
  let matcher = compiledExtras.get(extra);
  if (matcher === undefined) {
    matcher = compileIntent(extra);
    compiledExtras.set(extra, matcher);
  }
  return classifyWith(matcher, term);
}

/** The form a term is remembered in: "Free  Trial" and "free trial" are one search. */
export const normalizeTerm = (term: string): string => term.toLowerCase().replace(/\s+/g, " ").trim();

const URL_PARAMS = ["utm_term", "q", "s", "search", "query"] as const;
const PROP_KEYS = ["utm_term", "search"] as const;

// Most URLs carry none of these parameters; testing for them first spares a query parse. A
// percent-encoded parameter name ("utm%5Fterm") might be one of them, so it is parsed too.
const MAY_CARRY_TERM = /[?&](?:(?:utm_term|q|s|search|query)=|[^=&#]*%)/;

/** A cheap first look: false when `searchTerms` would certainly find nothing. */
export function maySearch(event: { url?: string; props?: Props }): boolean {
  const { url, props } = event;
  if (url !== undefined && url.includes("?") && MAY_CARRY_TERM.test(url)) return true;
  if (props !== undefined) for (const key of PROP_KEYS) if (Object.hasOwn(props, key)) return true;
  return false;
}

/**
 * Search terms carried by an event: utm_term and the site-search params q, s, search, query of
 * its URL, plus props.utm_term / props.search when present. Blank values are left out.
 *
 * @example
 * searchTerms({ url: "https://acme.com/search?q=pricing+plans" }); // ["pricing plans"]
 */
export function searchTerms(event: { url?: string; props?: Props }): string[] {
  const terms: string[] = [];
  const { url, props } = event;
  const query = url === undefined ? -1 : url.indexOf("?");
  if (url !== undefined && query >= 0 && MAY_CARRY_TERM.test(url)) {
    const hash = url.indexOf("#");
    if (hash < 0 || hash > query) {
      const params = new URLSearchParams(url.slice(query + 1, hash < 0 ? undefined : hash));
      for (const name of URL_PARAMS) {
        const value = params.get(name);
        if (value !== null && value.trim() !== "") terms.push(value);
      }
    }
  }
  if (props !== undefined) {
    for (const key of PROP_KEYS) {
      const value = Object.hasOwn(props, key) ? props[key] : undefined;
      if (typeof value === "string" && value.trim() !== "") terms.push(value);
    }
  }
  return terms;
}
