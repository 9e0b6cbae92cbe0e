/**
 * Generators of hostile request bodies, for the property tests of the wire schema (plain Node)
 * and of the routes (inside workerd). What attackers and broken clients send: nesting thousands
 * of levels deep, huge strings, lone surrogates, keys such as `__proto__`, wrong types, numbers
 * JSON.parse reads as Infinity, bad timestamps and repeated event ids. Mostly near the real
 * shape, so the checks behind the first one are reached too.
 */
import fc from "fast-check";
import { EVENT_TYPES } from "../../shared/wire";

/** JSON.parse builds deep values without recursion, so a test can too. */
export const nestedArrays = (depth: number): unknown => JSON.parse(`${"[".repeat(depth)}1${"]".repeat(depth)}`);
const nestedObjects = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`);

/** A string that stands for the number 1e400 once the body is text (see `toBodyText`). */
const HUGE = "\u0000huge-number\u0000";

/** The body as sent: JSON, with the HUGE marker turned into a number too large for a double. */
export const toBodyText = (body: unknown): string => JSON.stringify(body).replaceAll(JSON.stringify(HUGE), "1e400");

/** Single UTF-16 units and pairs that break naive text handling, beside ordinary ones. */
const unit = fc.oneof(
  { weight: 12, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "😀", "\u0000", '"', "\\", "\u202e", "\ufeff", "%", "/", "*"),
);
export const text = fc.string({ unit, maxLength: 24 });
const huge = fc.integer({ min: 500, max: 70_000 }).map((n) => "x".repeat(n));

export const key = fc.oneof(
  { weight: 3, arbitrary: text },
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "then", "", "email", "title"),
);

export const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(HUGE, 1e308, -1e308, 2 ** 53 + 1, -0, 0.1, 8.64e15 + 1, Number.MAX_SAFE_INTEGER),
);

/** Around the limit, or deep enough to overflow a recursive validator's stack. */
const depth = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2000, max: 4000 }));

/** An own `__proto__` key, as JSON.parse makes it (an object literal would set the prototype). */
const ownProto = fc.constantFrom('{"__proto__": {"email": "x@y.z"}}', '{"__proto__": 1}', '{"a": {"__proto__": []}}').map(
  (json) => JSON.parse(json) as unknown,
);

/** Hostile leaves and shapes, nested. */
const hostile: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 4, arbitrary: text },
    { weight: 3, arbitrary: number },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: huge },
    { weight: 2, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(key, tie("value"), { maxKeys: 4 }) },
    { weight: 1, arbitrary: depth.map(nestedArrays) },
    { weight: 1, arbitrary: depth.map(nestedObjects) },
    { weight: 1, arbitrary: ownProto },
  ),
})).value;

/** Any JSON value: often a plain one, often a hostile one. */
export const value = fc.oneof({ weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 3, arbitrary: hostile });

/** An object of JSON values: what props and traits should be, and often are. */
export const record = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }) },
  { weight: 3, arbitrary: fc.dictionary(key, value, { maxKeys: 6 }) },
  value,
);

const T0 = 1_763_900_000_000;
const ts = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: T0, max: T0 + 1e9 }) }, number, text, fc.constant(null));
const id = fc.oneof({ weight: 8, arbitrary: fc.uuid() }, fc.constantFrom("dup", "e1", "a".repeat(65)), text);
const url = fc.oneof({ weight: 8, arbitrary: fc.webUrl() }, text.map((t) => `https://example.com/${t}`), huge, value);
/** Mostly right, sometimes any value at all. */
export const mostly = <T>(right: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: right }, value);

/** Addresses the collector takes, the odd ones RFC 5322 allows, and junk. */
export const email = fc.oneof({ weight: 8, arbitrary: fc.uuid().map((u) => `${u}@acme.io`) }, fc.emailAddress(), text, value);

/** One event: mostly of a real type with its own fields, one or two of them gone wrong. */
export const event = (() => {
  const common = { id, ts, url, ref: url, title: mostly(text), props: record };
  const required = ["id", "type", "ts"] as const;
  const typed = fc.oneof(
    fc.record({ ...common, type: fc.constant("page_view") }, { requiredKeys: [...required, "url"] }),
    fc.record({ ...common, type: fc.constantFrom("download", "chat") }, { requiredKeys: [...required] }),
    fc.record({ ...common, type: fc.constant("track"), name: mostly(text) }, { requiredKeys: [...required, "name"] }),
    fc.record({ id, ts, type: fc.constant("identify"), props: fc.record({ email, traits: record }, { requiredKeys: ["email"] }) }),
  );
  const untyped = fc.record({ ...common, type: fc.oneof(text, value), name: value }, { requiredKeys: [...required] });
  return fc.oneof({ weight: 8, arbitrary: typed }, untyped, value);
})();

/** Batches of about a hundred events, one event repeated (duplicate ids included). */
const many = fc.tuple(event, fc.integer({ min: 95, max: 110 })).map(([e, n]) => Array.from({ length: n }, () => e));

/** An ingest body: mostly the right envelope for the site `site`, around hostile events. */
export const batch = (site: string) => {
  const envelope = fc.record(
    {
      site: fc.oneof({ weight: 12, arbitrary: fc.constant(site) }, text, value),
      visitor: fc.oneof({ weight: 12, arbitrary: fc.uuid() }, text, value),
      webdriver: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, value),
      events: fc.oneof({ weight: 8, arbitrary: fc.array(event, { minLength: 1, maxLength: 6 }) }, many, value),
    },
    { requiredKeys: ["site", "visitor", "events"] },
  );
  // A computed key is an own property, even "__proto__".
  const extraKey = fc.tuple(envelope, key, value).map(([body, name, extra]) => ({ ...body, [name]: extra }));
  return fc.oneof({ weight: 10, arbitrary: envelope }, extraKey, value);
};
