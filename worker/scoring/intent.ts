/**
 * Search intent: which funnel stage a search term signals. "how to reduce churn" is a reader;
 * "acme vs globex pricing" is choosing a vendor; "buy acme licence" is ready to pay.
 */
import { INTENT_CLASSES, type IntentClass } from "../config";
import type { Props } from "../../shared/wire";

/** Extra words and phrases per class, as `intent_terms` in the config. */
export type IntentTerms = Partial<Record<IntentClass, readonly string[]>>;

/**
 * The default vocabulary, from the domain's own guides to search intent. Each word also matches in
 * its regular inflections (see `inflections`).
 */
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

/**
 * Senses of a vocabulary word that say nothing about buying, told apart by the words around it:
 * "in order to", "order of operations", "sort order", a "purchase order" (a document type, as in
 * "purchase order software"), stakeholder "buy-in", "build vs buy" (still a decision, through
 * "vs", but not a purchase), "famous quotes", and "VS Code" (an editor, not a comparison). The word
 * still counts anywhere else in the same term: "in order to buy acme" is transactional.
 */
const OTHER_SENSES: Readonly<Record<string, { before?: readonly string[]; after?: readonly string[] }>> = {
  order: {
    before: [
      "in", "out of", "sort", "purchase", "alphabetical", "chronological", "reverse", "random", "ascending",
      "descending",
    ],
    after: ["of"],
  },
  purchase: { after: ["order"] },
  buy: {
    before: ["build vs", "build versus", "build or"],
    after: ["-in", "-ins", "vs build", "versus build", "or build"],
  },
  quote: {
    before: ["famous", "inspirational", "motivational", "funny", "block"],
    after: ["of the day", "about", "marks"],
  },
  vs: { after: ["code", "studio"] },
};

/** Function words, and abbreviations, that never take an ending. */
const UNINFLECTED = new Set([
  "a", "an", "and", "by", "for", "free", "from", "how", "in", "of", "on", "or", "the", "to", "vs", "what",
  "when", "where", "which", "who", "why", "with",
]);

const VOWEL = "aeiou";

/** -s, -ing and -ed of one regular English word. */
function regularForms(word: string): string[] {
  const last = word.charAt(word.length - 1);
  const beforeLast = word.charAt(word.length - 2);
  const forms = [word];
  if (/(?:s|x|z|ch|sh)$/.test(word)) forms.push(`${word}es`);
  else if (last === "y" && !VOWEL.includes(beforeLast)) forms.push(`${word.slice(0, -1)}ies`);
  else forms.push(`${word}s`);

  if (last === "e" && beforeLast === "i") forms.push(`${word.slice(0, -2)}ying`, `${word}d`);
  else if (last === "e" && "eoy".includes(beforeLast)) forms.push(`${word}ing`, `${word}d`);
  else if (last === "e") forms.push(`${word.slice(0, -1)}ing`, `${word}d`);
  else if (last === "y" && !VOWEL.includes(beforeLast)) forms.push(`${word}ing`, `${word.slice(0, -1)}ied`);
  else forms.push(`${word}ing`, `${word}ed`);

  // "shop" doubles its last consonant ("shopping"), "order" does not; which one depends on stress,
  // so both spellings are accepted. The wrong one is a misspelling nobody searches for.
  if (/[^aeiou][aeiou][b-df-hj-np-tv-z]$/.test(word) && !"wxy".includes(last)) {
    forms.push(`${word}${last}ing`, `${word}${last}ed`);
  }
  return forms;
}

/**
 * The forms a word is recognised in: itself, its plural or third person (-s, -es, -ies), -ing and
 * -ed, with a final silent e dropped ("optimizing") and a final consonant doubled or not, plus the
 * British -ise for -ize ("optimise"). Only regular forms of plain a–z words: "bought" is not "buy",
 * and a word that already ends in a single s ("pros", "reviews") or holds any other
 * character ("c++", "prüfen") is taken as written, and a word in -ing ("pricing") only adds -s.
 *
 * @example
 * inflections("quote");     // ["quote", "quotes", "quoting", "quoted"]
 * inflections("optimize");  // ["optimize", "optimizes", "optimizing", "optimized", "optimise", ...]
 */
export function inflections(word: string): string[] {
  const lower = word.toLowerCase();
  if (!/^[a-z]{2,}$/.test(lower) || UNINFLECTED.has(lower) || /[^s]s$/.test(lower)) return [lower];
  if (lower.length >= 6 && lower.endsWith("ing")) return [lower, `${lower}s`];
  const british = /[iy]ze$/.test(lower) ? regularForms(`${lower.slice(0, -2)}se`) : [];
  return [...new Set([...regularForms(lower), ...british])];
}

const escapeRegExp = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

const WORD_CHAR = "[\\p{L}\\p{N}_]";
const EDGE_BEFORE = `(?<!${WORD_CHAR})`;
const EDGE_AFTER = `(?!${WORD_CHAR})`;
// Any whitespace between the words of a phrase, after an optional period: "acme vs. globex".
const BETWEEN = "\\.?\\s+";

/** A phrase as a pattern: its words in order, each in any of its forms. */
function phrasePattern(phrase: string): string {
  return phrase
    .trim()
    .split(/\s+/)
    .map((word) => {
      const forms = inflections(word).map(escapeRegExp);
      return forms.length === 1 ? (forms[0] ?? "") : `(?:${forms.join("|")})`;
    })
    .join(BETWEEN);
}

/** One vocabulary entry as a pattern, with the senses of its word that do not count left out. */
function termPattern(term: string): string {
  const pattern = phrasePattern(term);
  const senses = OTHER_SENSES[term.trim().toLowerCase()];
  if (senses === undefined) return pattern;
  const { before = [], after = [] } = senses;
  const preceding = before.map(phrasePattern).join("|");
  // A context that starts with a hyphen ("-in") is joined to the word itself: "buy-in".
  const following = after.map((p) => (p.startsWith("-") ? "" : BETWEEN) + phrasePattern(p)).join("|");
  const notBefore = preceding === "" ? "" : `(?<!${EDGE_BEFORE}(?:${preceding})${BETWEEN})`;
  const notAfter = following === "" ? "" : `(?!(?:${following})${EDGE_AFTER})`;
  return `${notBefore}${pattern}${notAfter}`;
}

/**
 * Compiles the vocabulary, plus any extra terms, into one regular expression per class. Compile
 * once per config: the patterns carry every inflection, so classifying is one test per class.
 * Words match whole, in any case and in their regular inflections ("testing tools", "comparisons");
 * word edges are Unicode-aware, so "reorder" is not "order" and "prüfen" stays one word. Extra
 * terms are literal words and phrases (never regular expressions), inflected like the vocabulary:
 * "switch from" also matches "switching from".
 */
export function compileIntent(extra: IntentTerms = {}): IntentMatcher {
  return STRONGEST_FIRST.map((intentClass) => {
    const terms = [...INTENT_VOCABULARY[intentClass], ...(extra[intentClass] ?? [])].filter((w) => w.trim() !== "");
    const alternatives = [...new Set(terms.map(termPattern))].join("|");
    return [intentClass, new RegExp(`${EDGE_BEFORE}(?:${alternatives})${EDGE_AFTER}`, "iu")] as const;
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
 * classifyIntent("in order to log in");               // null: "order" is not a purchase here
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
