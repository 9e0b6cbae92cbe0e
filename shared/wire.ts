/**
 * The ingest wire format: what the snippet (or any client) POSTs to /v1/events.
 * One schema, used by the Worker to validate and by the snippet for its types.
 */
import * as z from "zod";
import { ILL_FORMED, type JsonValue, isWellFormed, jsonProblem } from "./json-limits";

/** Hard limits on what one request may carry; the Worker refuses anything larger. */
export const LIMITS = {
  bodyBytes: 64 * 1024,
  eventsPerBatch: 100,
  idLength: 64,
  urlLength: 2048,
  textLength: 512,
  nameLength: 128,
  propKeys: 32,
  propValueLength: 1024,
  /** Properties and traits, as JSON; the same bounds hold for a lead's merged traits. */
  propsChars: 8 * 1024,
  /** Levels of nesting in properties and traits; the object itself is the first. */
  propsDepth: 8,
} as const;

export const EVENT_TYPES = ["page_view", "download", "chat", "identify", "track"] as const;

/**
 * Text as sent, or refused: a lone surrogate cannot be stored as it is, and changing it silently
 * (to U+FFFD) would store something the client never sent.
 */
const text = (max: number) => z.string().max(max).refine(isWellFormed, ILL_FORMED);

const id = z
  .string()
  .min(1)
  .max(LIMITS.idLength)
  .regex(/^[\w.:-]+$/, "letters, digits, '_', '-', '.' and ':' only");

const url = text(LIMITS.urlLength);

/**
 * Any JSON value: scoring rules match the flat ones, and nested ones are kept for the record.
 * Checked by `bounded` on the object that holds it, never by a recursive schema.
 */
const propValue = z.custom<JsonValue>();

/** Nesting, size, well-formed text and plain JSON, checked without recursion (see json-limits). */
const bounded =
  (what: string) =>
  (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const bounds = { what, depth: LIMITS.propsDepth, chars: LIMITS.propsChars, keys: LIMITS.propKeys };
    const problem = jsonProblem(value, bounds);
    if (problem) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message, input: value });
  };

export const Props = z.record(z.string().max(LIMITS.nameLength), propValue).superRefine(bounded("properties"));

const TRAIT_NAMES = ["name", "title", "company", "company_size", "industry", "country"] as const;

/** A trait sent as null is a trait not given: `identify(email, { title: null })` still identifies. */
const withoutNulls = (value: unknown): unknown =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null))
    : value;

export const Traits = z.preprocess(
  withoutNulls,
  z
    .object({
      name: z.string().max(LIMITS.textLength).optional(),
      title: z.string().max(LIMITS.textLength).optional(),
      company: z.string().max(LIMITS.textLength).optional(),
      company_size: z.union([z.number().nonnegative(), z.string().max(64)]).optional(),
      industry: z.string().max(LIMITS.textLength).optional(),
      country: z.string().max(LIMITS.textLength).optional(),
    })
    // Sites send their own traits too (plan, phone, ...); keep them, bounded like props.
    .catchall(propValue)
    .superRefine(bounded("traits")),
);

/**
 * A lead's traits after another identify: newer values win, and the merged set stays within the
 * same bounds as one identify (named traits first, then the most recently given others), so no
 * sequence of identifies can grow a lead without end.
 */
export function mergeTraits(current: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(update)) {
    delete merged[key];
    merged[key] = value;
  }
  const named = TRAIT_NAMES.filter((key) => key in merged);
  const others = Object.keys(merged).filter((key) => !(TRAIT_NAMES as readonly string[]).includes(key));
  const keep = [...named, ...others.slice(Math.max(0, others.length - (LIMITS.propKeys - named.length)))];
  const bounded: Record<string, unknown> = {};
  for (const key of keep) bounded[key] = merged[key];
  while (JSON.stringify(bounded).length > LIMITS.propsChars) {
    const oldest = Object.keys(bounded).find((key) => !(TRAIT_NAMES as readonly string[]).includes(key));
    if (oldest === undefined) break;
    delete bounded[oldest];
  }
  return bounded;
}

export const Email = z.string().trim().max(254).pipe(z.email());

const base = {
  id,
  /** Client clock, milliseconds since the epoch. Kept, but never trusted for ordering. */
  ts: z.number().int().nonnegative(),
  url: url.optional(),
  ref: url.optional(),
  title: text(LIMITS.textLength).optional(),
};

export const PageViewEvent = z.strictObject({
  ...base,
  type: z.literal("page_view"),
  url,
  props: Props.optional(),
});

export const DownloadEvent = z.strictObject({
  ...base,
  type: z.literal("download"),
  props: Props.optional(),
});

export const ChatEvent = z.strictObject({
  ...base,
  type: z.literal("chat"),
  props: Props.optional(),
});

export const IdentifyEvent = z.strictObject({
  ...base,
  type: z.literal("identify"),
  props: z.strictObject({
    email: Email,
    traits: Traits.optional(),
    /** Hex HMAC-SHA256 of the normalized email under the site's identity secret, from the site's server. */
    hash: z.string().regex(/^[0-9a-f]{64}$/i, "hex HMAC-SHA256, 64 characters").optional(),
  }),
});

export const TrackEvent = z.strictObject({
  ...base,
  type: z.literal("track"),
  name: text(LIMITS.nameLength).min(1),
  props: Props.optional(),
});

export const Event = z.discriminatedUnion("type", [
  PageViewEvent,
  DownloadEvent,
  ChatEvent,
  IdentifyEvent,
  TrackEvent,
]);

/**
 * The envelope. `events` is validated event by event (see `parseBatch`) so that one bad
 * event never costs the good ones beside it.
 */
export const Batch = z.strictObject({
  site: text(LIMITS.idLength).min(1),
  visitor: id,
  /**
   * `navigator.webdriver` as the browser reports it; only `true` flags the batch. Any other value
   * (a stealth script may set null or a string) is taken as not automated rather than refusing
   * the batch: the collector flags bots, never drops their events.
   */
  webdriver: z.unknown().transform((value) => value === true).optional(),
  events: z.array(z.unknown()).min(1).max(LIMITS.eventsPerBatch),
});

export type Props = z.infer<typeof Props>;
export type Traits = z.output<typeof Traits>;
export type Event = z.infer<typeof Event>;
export type EventType = Event["type"];
export type Batch = z.infer<typeof Batch>;

export interface WireIssue {
  path: (string | number)[];
  message: string;
}

export type ParsedBatch =
  /** `too_large`: more events than one batch may carry; `invalid`: see the issues. */
  | { ok: false; refusal: "invalid" | "too_large"; issues: WireIssue[] }
  | { ok: true; batch: Omit<Batch, "events">; events: Event[]; issues: WireIssue[] };

const toIssues = (error: z.ZodError, prefix: (string | number)[] = []): WireIssue[] =>
  error.issues.map((i) => ({
    path: [...prefix, ...i.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    message: i.message,
  }));

/**
 * Validates an ingest body. Too many events refuse the whole request as too large; a broken
 * envelope refuses it as invalid; a broken event is reported in `issues` while the valid events
 * around it are kept. Never throws, whatever `input` holds.
 *
 * @example
 * const parsed = parseBatch(JSON.parse(body));
 * if (!parsed.ok) return parsed.refusal === "too_large" ? tooLarge(parsed.issues) : badRequest(parsed.issues);
 */
export function parseBatch(input: unknown): ParsedBatch {
  const sent = input !== null && typeof input === "object" && "events" in input ? input.events : undefined;
  if (Array.isArray(sent) && sent.length > LIMITS.eventsPerBatch) {
    const message = `${sent.length} events; a batch may carry at most ${LIMITS.eventsPerBatch} events`;
    return { ok: false, refusal: "too_large", issues: [{ path: ["events"], message }] };
  }
  const envelope = Batch.safeParse(input);
  if (!envelope.success) return { ok: false, refusal: "invalid", issues: toIssues(envelope.error) };
  const { events: raw, ...batch } = envelope.data;
  const events: Event[] = [];
  const issues: WireIssue[] = [];
  raw.forEach((candidate, index) => {
    const parsed = Event.safeParse(candidate);
    if (parsed.success) events.push(parsed.data);
    else issues.push(...toIssues(parsed.error, ["events", index]));
  });
  return { ok: true, batch, events, issues };
}

/** Emails are compared lower-cased and trimmed: one person, one lead. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
