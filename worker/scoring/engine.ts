/**
 * The scoring engine: engagement as a fold over a lead's events, plus fit from its traits.
 *
 * The fold keeps, per rule, one decayed running sum, so an event costs O(rules) however long the
 * lead's history. `rescore` replays the whole history through the same fold and is the source
 * of truth; folding events in one by one is only a shortcut to the same numbers.
 *
 * Everything here is pure: plain values in, plain values out, no clock, no storage.
 */
import {
  durationMs,
  INTENT_CLASSES,
  type EngagementRule,
  type IntentClass,
  type ScoringConfig,
} from "../config";
import { EVENT_TYPES, type EventType, type Props } from "../../shared/wire";
import { compileGlob, type PathTest } from "../glob";
import type { Reason } from "../../shared/api";
import { compileFit, fitScore, type CompiledFitRule, type Traits } from "./fit";
import { classifyWith, compileIntent, maySearch, normalizeTerm, searchTerms, type IntentMatcher } from "./intent";

export type { Traits } from "./fit";

export type Qualification = "mql" | "sql";

export interface ScoredEvent {
  id: string;
  type: EventType;
  /** A track event's name. */
  name?: string;
  /** The full URL. */
  url?: string;
  props?: Props;
  /** Server receive time in ms since the epoch: it orders and windows events (clocks lie). */
  at: number;
  /** Bot events are kept for the record but never score and never count toward nth or cap. */
  bot?: boolean;
}

/** One rule's share of a score, as the API and webhooks show it. */
export type { Reason };

export interface ScoreResult {
  engagement: number;
  fit: number;
  /** engagement + fit; all three rounded to one decimal. */
  score: number;
  /** Engagement reasons (rules in config order, then `intent:<class>`), then fit reasons. */
  reasons: Reason[];
  /** The strongest `qualifies` of any rule that ever matched: sticky. */
  qualifies: Qualification | null;
}

type PropValue = Props[string];

interface CompiledRule {
  readonly id: string;
  readonly on: EventType;
  readonly name: string | undefined;
  readonly path: PathTest | null;
  readonly props: ReadonlyArray<readonly [string, PropValue]>;
  readonly nth: number | null;
  readonly withinMs: number | null;
  readonly cap: { readonly points: number; readonly perMs: number } | null;
  readonly points: number;
  readonly qualifies: Qualification | null;
}

/** A scoring config made ready to run: globs, regular expressions and durations built once. */
export interface CompiledScoring {
  readonly halfLifeMs: number;
  /** In config order, which is the order of the reasons. */
  readonly rules: readonly CompiledRule[];
  /** The same rules by the event type they are `on`, so an event only meets its own. */
  readonly rulesByType: Readonly<Record<EventType, readonly CompiledRule[]>>;
  readonly intent: {
    readonly matcher: IntentMatcher;
    readonly points: Readonly<Record<IntentClass, number>>;
    /** False when every class is worth 0: then no event's search terms are even read. */
    readonly active: boolean;
  };
  readonly fit: readonly CompiledFitRule[];
}

/** Points awarded by one rule, decayed to `at`, the time of its latest award. */
export interface DecayedSum {
  sum: number;
  at: number;
  count: number;
}

/** What decides whether a rule's next match awards: its nth window and its cap period. */
export interface Gate {
  /** Matches so far, for `nth` without `within`. */
  seen: number;
  /** Times of the latest matches still inside `within`, at most `nth` of them. */
  recent: number[];
  /** Current cap period, `floor(at / per)`; null before the first match. */
  period: number | null;
  /** Absolute points awarded in that period. */
  spent: number;
}

/** A lead's engagement so far. Plain JSON: store it as is, and keep folding into it later. */
export interface EngagementState {
  /** By rule id, and `intent:<class>` for search intent. */
  awards: Record<string, DecayedSum>;
  gates: Record<string, Gate>;
  /** Normalized search terms that already gave intent points. */
  terms: string[];
  qualifies: Qualification | null;
}

const DAY_MS = 86_400_000;

// Rules sharing a glob share its test, so an event runs it once (see `addEvent`).
function globOnce(globs: Map<string, PathTest>, glob: string): PathTest {
  let test = globs.get(glob);
  if (test === undefined) globs.set(glob, (test = compileGlob(glob)));
  return test;
}

const compileRule = (rule: EngagementRule, globs: Map<string, PathTest>): CompiledRule => ({
  id: rule.id,
  on: rule.on,
  name: rule.name,
  path: rule.path === undefined ? null : globOnce(globs, rule.path),
  props: Object.entries(rule.props ?? {}),
  nth: rule.nth ?? null,
  withinMs: rule.within === undefined ? null : durationMs(rule.within),
  cap: rule.cap === undefined ? null : { points: rule.cap.points, perMs: durationMs(rule.cap.per) },
  points: rule.points,
  qualifies: rule.qualifies ?? null,
});

/**
 * Prepares a validated scoring config for scoring. Compile once per config and reuse.
 *
 * @example
 * const compiled = compileScoring(scoringFor(config, site));
 * const result = rescore(compiled, events, { email: "ada@acme.com", title: "VP Sales" }, Date.now());
 */
export function compileScoring(scoring: ScoringConfig): CompiledScoring {
  const { intent_terms, ...points } = scoring.intent;
  const globs = new Map<string, PathTest>();
  const rules = scoring.engagement.map((rule) => compileRule(rule, globs));
  return {
    halfLifeMs: scoring.half_life_days * DAY_MS,
    rules,
    rulesByType: Object.fromEntries(
      EVENT_TYPES.map((type) => [type, rules.filter((rule) => rule.on === type)]),
    ) as Record<EventType, CompiledRule[]>,
    intent: {
      matcher: compileIntent(intent_terms),
      points,
      active: INTENT_CLASSES.some((intentClass) => points[intentClass] !== 0),
    },
    fit: compileFit(scoring.fit),
  };
}

export function emptyEngagement(): EngagementState {
  return { awards: {}, gates: {}, terms: [], qualifies: null };
}

// State records are plain objects (JSON from storage), so a rule id such as "constructor" would
// find Object.prototype's; those are all functions, and every entry of ours is an object.
const own = <T extends object>(record: Record<string, T>, key: string): T | undefined => {
  const value: unknown = record[key];
  return typeof value === "object" && value !== null ? (value as T) : undefined;
};

// 0.5 ^ (elapsed / half-life), written with exp: several times faster than Math.pow here.
const decay = (elapsedMs: number, halfLifeMs: number): number => Math.exp((-Math.LN2 * elapsedMs) / halfLifeMs);

const round1 = (value: number): number => Math.round(value * 10) / 10 || 0; // `|| 0`: no "-0" in output

// Events carry absolute page URLs, and `new URL` would cost more than the rest of the fold
// together. One regular expression reads the common shape directly: http(s); a DNS name, not
// punycode ("xn--") and not ending in a number or hex (which makes it an IPv4 address); a valid
// port; a path with no dot segment ("/.", "/%2e") and nothing to percent-encode. Anything else
// is left to `new URL`.
const PLAIN_URL = new RegExp(
  [
    "^https?://(?![^/?#]*xn--)",
    "(?:[a-z0-9-]+\\.)*(?!0x[0-9a-f]*\\.?(?:[:/?#]|$))[a-z0-9-]*[a-z][a-z0-9-]*\\.?",
    "(?::(?:[0-5]?\\d{1,4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5]))?",
    "((?:/(?!\\.|%2e)[\\w\\-.~!$&'()*+,;=:@%]*)*)(?=[?#]|$)",
  ].join(""),
  "i",
);

/**
 * The pathname `new URL(url).pathname` gives, or null for a URL it refuses.
 *
 * @example
 * urlPathname("https://acme.com/pricing?plan=pro"); // "/pricing"
 * urlPathname("/pricing");                          // null: not an absolute URL
 */
export function urlPathname(url: string): string | null {
  const plain = PLAIN_URL.exec(url);
  if (plain !== null) return plain[1] || "/";
  try {
    return new URL(url).pathname;
  } catch {
    return null;
  }
}

function propsMatch(wanted: CompiledRule["props"], props: Props | undefined): boolean {
  for (const [key, value] of wanted) {
    if (props === undefined || !Object.hasOwn(props, key) || props[key] !== value) return false;
  }
  return true;
}

const stronger = (a: Qualification | null, b: Qualification): Qualification => (a === "sql" ? a : b);

function gateOf(state: EngagementState, id: string): Gate {
  let gate = own(state.gates, id);
  if (gate === undefined) state.gates[id] = gate = { seen: 0, recent: [], period: null, spent: 0 };
  return gate;
}

/** Counts this match and says whether it is the Nth: in the window (at - within, at], or ever. */
function isNth(nth: number, withinMs: number | null, gate: Gate, at: number): boolean {
  if (withinMs === null) {
    gate.seen += 1;
    return gate.seen === nth;
  }
  const recent = gate.recent;
  const windowStart = at - withinMs;
  while ((recent[0] ?? Infinity) <= windowStart) recent.shift();
  const count = recent.length + 1;
  recent.push(at);
  // Telling "exactly nth" from "more than nth" needs only the latest nth matches.
  if (recent.length > nth) recent.shift();
  return count === nth;
}

// Fractional points add up with rounding error; a remainder this small is a full cap.
const CAP_EPSILON = 1e-9;

/** The points this match is worth once the rule's cap for the current period is applied. */
function capped(cap: NonNullable<CompiledRule["cap"]>, points: number, gate: Gate, at: number): number {
  const period = Math.floor(at / cap.perMs);
  if (gate.period !== period) {
    gate.period = period;
    gate.spent = 0;
  }
  const room = cap.points - gate.spent;
  if (room <= CAP_EPSILON) return 0;
  const magnitude = Math.min(Math.abs(points), room);
  gate.spent += magnitude;
  return Math.sign(points) * magnitude;
}

function award(state: EngagementState, key: string, points: number, at: number, halfLifeMs: number): void {
  const prior = own(state.awards, key);
  if (prior === undefined) {
    state.awards[key] = { sum: points, at, count: 1 };
    return;
  }
  // Rebasing at each award keeps the sum at today's scale: it never overflows, and the state
  // stays one number per rule.
  prior.sum = prior.sum * decay(at - prior.at, halfLifeMs) + points;
  prior.at = at;
  prior.count += 1;
}

// The state is plain JSON, so a Set of the terms cannot live in it; one is rebuilt per array.
const termSets = new WeakMap<string[], Set<string>>();

function seenTerms(terms: string[]): Set<string> {
  let seen = termSets.get(terms);
  if (seen === undefined) termSets.set(terms, (seen = new Set(terms)));
  return seen;
}

function addIntent(compiled: CompiledScoring, state: EngagementState, event: ScoredEvent): void {
  for (const raw of searchTerms(event)) {
    const term = normalizeTerm(raw);
    const seen = seenTerms(state.terms);
    if (seen.has(term)) continue;
    const intentClass = classifyWith(compiled.intent.matcher, term);
    if (intentClass === null || compiled.intent.points[intentClass] === 0) continue;
    seen.add(term);
    state.terms.push(term);
    award(state, `intent:${intentClass}`, compiled.intent.points[intentClass], event.at, compiled.halfLifeMs);
  }
}

/**
 * Folds one event into a lead's engagement. Events must come in `at` order. May mutate and
 * return `state`.
 *
 * A rule matches when `on` is the event's type, its `path` glob matches the URL's pathname (no
 * valid URL, no match), `name` is the event's name and every `props` entry equals the event's
 * (===). Then, in order:
 * - `qualifies` is recorded (the strongest wins), whatever the points;
 * - `nth` + `within`: only the match that makes exactly `nth` in (at - within, at] awards;
 *   `nth` alone: only the Nth match ever;
 * - `cap`: per period `floor(at / per)` (aligned to the epoch), awarded absolute points never
 *   exceed `cap.points`; the match that reaches the cap gets the remainder.
 * Search terms (see `searchTerms`) give their class's intent points once per distinct term.
 * Bot events change nothing.
 *
 * @example
 * let state = emptyEngagement();
 * state = addEvent(compiled, state, { id: "e1", type: "page_view", url: "https://acme.com/pricing", at: Date.now() });
 */
export function addEvent(compiled: CompiledScoring, state: EngagementState, event: ScoredEvent): EngagementState {
  if (event.bot === true) return state;
  let path: string | null | undefined; // parsed at most once, and only when a rule asks
  let tested: PathTest | null = null;
  let pathMatches = false;
  for (const rule of compiled.rulesByType[event.type]) {
    if (rule.name !== undefined && rule.name !== event.name) continue;
    if (rule.path !== null) {
      if (path === undefined) path = event.url === undefined ? null : urlPathname(event.url);
      if (path === null) continue;
      if (rule.path !== tested) {
        tested = rule.path;
        pathMatches = tested(path);
      }
      if (!pathMatches) continue;
    }
    if (rule.props.length > 0 && !propsMatch(rule.props, event.props)) continue;

    if (rule.qualifies !== null) state.qualifies = stronger(state.qualifies, rule.qualifies);
    let points = rule.points;
    if (rule.nth !== null || rule.cap !== null) {
      const gate = gateOf(state, rule.id);
      if (rule.nth !== null && !isNth(rule.nth, rule.withinMs, gate, event.at)) continue;
      if (rule.cap !== null) points = capped(rule.cap, points, gate, event.at);
    }
    if (points !== 0) award(state, rule.id, points, event.at, compiled.halfLifeMs);
  }
  if (compiled.intent.active && maySearch(event)) addIntent(compiled, state, event);
  return state;
}

/**
 * The score at `now`: every award decayed by `0.5 ^ ((now - at) / half-life)`, plus fit (which
 * does not decay). Rounded to one decimal here, and only here.
 */
export function scoreAt(compiled: CompiledScoring, state: EngagementState, traits: Traits, now: number): ScoreResult {
  const reasons: Reason[] = [];
  let engagement = 0;
  const addReason = (key: string): void => {
    const sum = own(state.awards, key);
    if (sum === undefined || sum.count === 0) return;
    const points = sum.sum * decay(now - sum.at, compiled.halfLifeMs);
    engagement += points;
    reasons.push({ rule: key, points: round1(points), count: sum.count });
  };
  for (const rule of compiled.rules) addReason(rule.id);
  for (const intentClass of INTENT_CLASSES) addReason(`intent:${intentClass}`);

  const fit = fitScore(compiled, traits);
  for (const reason of fit.reasons) reasons.push({ ...reason, points: round1(reason.points) });

  const roundedEngagement = round1(engagement);
  const roundedFit = round1(fit.fit);
  return {
    engagement: roundedEngagement,
    fit: roundedFit,
    score: round1(roundedEngagement + roundedFit),
    reasons,
    qualifies: state.qualifies,
  };
}

/**
 * Full recomputation from a lead's history (in `at` order): the source of truth, used when a
 * lead is merged or the rules change.
 *
 * @example
 * const { score, reasons } = rescore(compiled, events, { ...lead.traits, email: lead.email }, Date.now());
 */
export function rescore(compiled: CompiledScoring, events: Iterable<ScoredEvent>, traits: Traits, now: number): ScoreResult {
  let state = emptyEngagement();
  for (const event of events) state = addEvent(compiled, state, event);
  return scoreAt(compiled, state, traits, now);
}
