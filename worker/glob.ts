/**
 * URL path globs, the `path` of an engagement rule: `*` matches any run of characters (slashes
 * included, so `"/docs*"` matches `/docs/v2/intro`), `?` exactly one character, and
 * everything else itself. The whole path must match. Pure: strings in, booleans out.
 */

/** Whether a URL pathname matches one glob. */
export type PathTest = (pathname: string) => boolean;

const WILDCARD = /[*?]/;

/**
 * The glob as an anchored regular expression: the definition every other form must agree with.
 *
 * @example
 * globToRegExp("/docs/?.html").test("/docs/a.html") // true
 * globToRegExp("/pricing*").test("/about/pricing")  // false: the whole path must match
 */
export function globToRegExp(glob: string): RegExp {
  const source = glob
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.+()[\]{}|/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}

/**
 * The glob as a test to run on every event. The usual shapes ("/pricing", "/pricing*",
 * "*pricing*", "*.pdf") become plain string operations, a few times faster than the regular
 * expression; anything else runs `globToRegExp`. Compile once per rule set, not per event.
 *
 * @example
 * const isPricing = compileGlob("/pricing*");
 * isPricing("/pricing/teams") // true
 */
export function compileGlob(glob: string): PathTest {
  if (!WILDCARD.test(glob)) return (pathname) => pathname === glob;
  const inner = glob.slice(1, -1);
  if (glob.length >= 2 && glob.startsWith("*") && glob.endsWith("*") && !WILDCARD.test(inner))
    return (pathname) => pathname.includes(inner);
  const head = glob.slice(0, -1);
  if (glob.endsWith("*") && !WILDCARD.test(head)) return (pathname) => pathname.startsWith(head);
  const tail = glob.slice(1);
  if (glob.startsWith("*") && !WILDCARD.test(tail)) return (pathname) => pathname.endsWith(tail);
  const pattern = globToRegExp(glob);
  return (pathname) => pattern.test(pathname);
}
