/**
 * Where the dashboard is served and what its address says is open. The collector may sit under a
 * path of its customer's site (`/ll/dashboard`), kept by a Cloudflare route or stripped by a
 * proxy the Worker never sees, so the base comes from the page's own address, not from the
 * server: every URL the client builds is `base + path`.
 *
 * The hash holds what is open, so a link can be shared: `#lead=<id>`, `#account=<domain>&site=<key>`,
 * or both.
 *
 * @example
 * // the page is https://www.example.com/ll/dashboard
 * at("/v1/leads")                 // "/ll/v1/leads"
 * hashWith({ lead: "l_1" })       // "#account=acme.io&site=pk_demo&lead=l_1" when an account is open
 */

/** The path the collector is mounted at: "" at the root, "/ll" under a prefix. */
export const base: string = location.pathname.replace(/\/dashboard\/?$/, "");

/** A collector path (starting with "/") as this page must ask for it. */
export const at = (path: string): string => `${base}${path}`;

export interface Opened {
  lead: string | null;
  account: string | null;
  site: string | null;
}

export function opened(): Opened {
  const params = new URLSearchParams(location.hash.slice(1));
  return { lead: params.get("lead"), account: params.get("account"), site: params.get("site") };
}

/** The current hash with some keys set (or removed, given null). */
export function hashWith(changes: Partial<Opened>): string {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined) params.delete(key);
    else params.set(key, value);
  }
  const text = params.toString();
  return text ? `#${text}` : "#";
}

/** A full link to the dashboard with only these things open, to copy and share. */
export function shareLink(open: Partial<Opened>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(open)) if (value) params.set(key, value);
  return `${at("/dashboard")}#${params.toString()}`;
}
