/**
 * The ingest wire format: what the snippet (or any client) POSTs to /v1/events.
 * One schema, used by the Worker to validate and by the snippet for its types.
 */
import { z } from "zod";

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
} as const;

export const EVENT_TYPES = ["page_view", "download", "chat", "identify", "track"] as const;

const id = z
  .string()
  .min(1)
  .max(LIMITS.idLength)
  .regex(/^[\w.:-]+$/, "letters, digits, '_', '-', '.' and ':' only");

const url = z.string().max(LIMITS.urlLength);

/** Any JSON value: scoring rules match the flat ones, and nested ones are kept for the record. */
const propValue = z.json();

const PROPS_JSON_CHARS = 8 * 1024;

const bounded = <T extends Record<string, unknown>>(what: string) =>
  [
    (p: T) => Object.keys(p).length <= LIMITS.propKeys && JSON.stringify(p).length <= PROPS_JSON_CHARS,
    { message: `at most ${LIMITS.propKeys} ${what}, ${PROPS_JSON_CHARS} characters as JSON` },
  ] as const;

export const Props = z.record(z.string().max(LIMITS.nameLength), propValue).refine(...bounded("properties"));

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
    .refine(...bounded("traits")),
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
  while (JSON.stringify(bounded).length > PROPS_JSON_CHARS) {
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
  title: z.string().max(LIMITS.textLength).optional(),
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
  props: z.strictObject({ email: Email, traits: Traits.optional() }),
});

export const TrackEvent = z.strictObject({
  ...base,
  type: z.literal("track"),
  name: z.string().min(1).max(LIMITS.nameLength),
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
  site: z.string().min(1).max(LIMITS.idLength),
  visitor: id,
  /** Set by the snippet when `navigator.webdriver` is true: the collector flags, never drops. */
  webdriver: z.boolean().optional(),
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
  | { ok: false; issues: WireIssue[] }
  | { ok: true; batch: Omit<Batch, "events">; events: Event[]; issues: WireIssue[] };

const toIssues = (error: z.ZodError, prefix: (string | number)[] = []): WireIssue[] =>
  error.issues.map((i) => ({
    path: [...prefix, ...i.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    message: i.message,
  }));

/**
 * Validates an ingest body. A broken envelope refuses the whole request; a broken event is
 * reported in `issues` while the valid events around it are kept.
 *
 * @example
 * const parsed = parseBatch(JSON.parse(body));
 * if (!parsed.ok) return badRequest(parsed.issues);
 */
export function parseBatch(input: unknown): ParsedBatch {
  const envelope = Batch.safeParse(input);
  if (!envelope.success) return { ok: false, issues: toIssues(envelope.error) };
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
