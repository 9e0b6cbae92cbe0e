/**
 * Serving the collector under a path of your own site (a Cloudflare route such as
 * `www.example.com/ll/*`, or a proxy that keeps the path): `LEADLIGHT_BASE_PATH = "/ll"` makes
 * `/ll/v1/events` the ingest route, `/ll/s.js` the script and `/ll/dashboard` the dashboard.
 * Requests outside the prefix are routed as they are, so the same Worker still answers on its
 * workers.dev address, and a proxy that strips the prefix itself works with or without it.
 *
 * @example
 * unmount("/ll/v1/events", "/ll") // "/v1/events"
 * unmount("/ll", "/ll")           // "/"
 * unmount("/llama", "/ll")        // "/llama": only a whole path segment matches
 * unmount("/v1/events", "")       // "/v1/events"
 */
export function unmount(path: string, basePath: string | undefined): string {
  const base = normalize(basePath);
  if (base === "") return path;
  if (path === base) return "/";
  return path.startsWith(`${base}/`) ? path.slice(base.length) : path;
}

/** `"ll/"`, `"/ll/"` and `"/ll"` are one prefix, `/ll`; `""` and `"/"` are none. */
export function normalize(basePath: string | undefined): string {
  const trimmed = (basePath ?? "").trim().replace(/^\/*/, "/").replace(/\/+$/, "");
  return trimmed === "/" ? "" : trimmed;
}

/**
 * Where the collector is, as the request reached it: its origin, plus the prefix when the request
 * came under it. Links the collector hands out (the dashboard link in an alert) start here, so
 * they work behind a route such as `www.example.com/ll/*` as well as on workers.dev.
 *
 * @example
 * collectorBase("https://www.example.com/ll/v1/events", "/ll") // "https://www.example.com/ll"
 * collectorBase("https://ll.workers.dev/v1/events", "/ll")     // "https://ll.workers.dev"
 */
export function collectorBase(requestUrl: string, basePath: string | undefined): string {
  const url = new URL(requestUrl);
  const base = normalize(basePath);
  return base !== "" && unmount(url.pathname, base) !== url.pathname ? `${url.origin}${base}` : url.origin;
}
