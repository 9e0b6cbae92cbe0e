/**
 * Bounds on free-form JSON (event properties, lead traits), checked by one iterative walk.
 *
 * Why not a recursive validator such as zod's `z.json()`: a 6 KB body of 3,000 nested arrays
 * overflows its stack, and a crash there answers 5xx, which the snippet retries forever. The walk
 * below keeps its own stack, gives up at the first container deeper than the limit, and stops
 * counting as soon as the size is over, so no input can make it recurse, loop long or allocate
 * more than the input itself.
 */

/** A value JSON can carry, as `JSON.parse` gives it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface JsonBounds {
  /** What the value is, in messages: "properties", "traits". */
  what: string;
  /** Levels of nesting; the value itself is the first. */
  depth: number;
  /** Characters of `JSON.stringify(value)`. */
  chars: number;
  /** Keys of the value itself, when it is an object. */
  keys: number;
}

export interface JsonProblem {
  /** From the value to the offending part, as `JSON.parse` would index it. */
  path: (string | number)[];
  message: string;
}

/**
 * With the `u` flag a paired surrogate reads as one astral code point, so `\p{Cs}` matches only
 * a lone one: exactly the strings `String.prototype.isWellFormed` calls ill-formed.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** True when `text` is well-formed Unicode: it has no lone UTF-16 surrogate. */
export const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

/**
 * The message for text with a lone surrogate. Storing it would silently change it (to U+FFFD),
 * so it is refused instead.
 */
export const ILL_FORMED = "holds a lone surrogate (half a UTF-16 pair without the other half): not well-formed Unicode";

/** What JSON.parse makes of `{...}`: a Date, a Map or a class instance would not survive JSON. */
const isPlainObject = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * The first way found in which `value` breaks `bounds` or is not plain JSON; null when it keeps
 * them. Costs one pass over at most the part of the value within the bounds.
 *
 * @example
 * jsonProblem({ x: [[[[[[[[1]]]]]]]] }, { what: "properties", depth: 8, chars: 8192, keys: 32 });
 * // { path: ["x", 0, 0, 0, 0, 0, 0, 0], message: "nested deeper than 8 levels; properties may nest at most 8" }
 */
export function jsonProblem(value: unknown, bounds: JsonBounds): JsonProblem | null {
  const { what } = bounds;
  const tooLarge = { path: [], message: `larger than ${bounds.chars} characters as JSON; ${what} may take at most ${bounds.chars}` };
  let chars = 0;
  const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [{ value, path: [], depth: 1 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path, depth } = next;
    if (typeof value === "string") {
      if (!isWellFormed(value)) return { path, message: `text that ${ILL_FORMED}` };
      chars += JSON.stringify(value).length;
    } else if (typeof value === "number") {
      // JSON.parse reads 1e400 as Infinity, which JSON.stringify would store as null.
      if (!Number.isFinite(value)) return { path, message: "a number too large to store; numbers must be finite" };
      chars += JSON.stringify(value).length;
    } else if (typeof value === "boolean" || value === null) {
      chars += String(value).length;
    } else if (typeof value === "object" && (Array.isArray(value) || isPlainObject(value))) {
      if (depth > bounds.depth) {
        return { path, message: `nested deeper than ${bounds.depth} levels; ${what} may nest at most ${bounds.depth}` };
      }
      const keys = Array.isArray(value) ? null : Object.keys(value);
      if (keys && depth === 1 && keys.length > bounds.keys) {
        return { path, message: `holds ${keys.length} ${what}; at most ${bounds.keys} are taken` };
      }
      const items = keys ? keys.length : (value as unknown[]).length;
      // Brackets and commas first: an array too long to be within the bounds is never walked.
      chars += 2 + Math.max(0, items - 1);
      if (chars > bounds.chars) return tooLarge;
      for (const key of keys ?? []) {
        if (!isWellFormed(key)) return { path: [...path, key], message: `a key that ${ILL_FORMED}` };
        // Assigning it to a plain object would replace the object's prototype, not add a key.
        if (key === "__proto__") return { path: [...path, key], message: 'the key "__proto__" cannot be stored' };
        chars += JSON.stringify(key).length + 1;
      }
      // Pushed last to first, so the first child is looked at first.
      for (let i = items - 1; i >= 0; i--) {
        const key = keys ? (keys[i] as string) : i;
        stack.push({ value: (value as Record<string | number, unknown>)[key], path: [...path, key], depth: depth + 1 });
      }
    } else {
      return { path, message: "not a JSON value" };
    }
    if (chars > bounds.chars) return tooLarge;
  }
  return null;
}
