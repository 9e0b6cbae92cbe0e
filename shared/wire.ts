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

const propValue = z.union([
  z.string().max(LIMITS.propValueLength),
  z.number(),
  z.boolean(),
  z.null(),
]);

/** Flat properties: scoring rules match them exactly, so nesting would never match. */
export const Props = z
  .record(z.string().max(LIMITS.nameLength), propValue)
  .refine((p) => Object.keys(p).length <= LIMITS.propKeys, {
    message: `at most ${LIMITS.propKeys} properties`,
  });

export const Traits = z
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
  .refine((t) => Object.keys(t).length <= LIMITS.propKeys, {
    message: `at most ${LIMITS.propKeys} traits`,
  });

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
export type Traits = z.infer<typeof Traits>;
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
