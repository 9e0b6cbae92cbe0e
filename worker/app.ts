/**
 * The collector's HTTP surface. Each part lives in its own module and is mounted here; errors
 * from any of them leave through `onError` in the one `{"error": {...}}` shape.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { getPath } from "hono/utils/url";
import { admin } from "./admin";
import { dashboard } from "./dashboard";
import { dev } from "./dev/routes";
import { type Env, isDev } from "./env";
import { ApiError } from "./errors";
import { normalize, unmount } from "./http/base-path";
import { ingest } from "./ingest";
import { log, reason } from "./log";
import { snippet } from "./snippet-route";

export const app = new Hono<{ Bindings: Env }>({
  // Mounted under a path of your own site (LEADLIGHT_BASE_PATH, see http/base-path.ts): every
  // route, sub-apps' included, is matched without the prefix.
  getPath: (request, options) => unmount(getPath(request), options?.env?.LEADLIGHT_BASE_PATH),
});

app.route("/", ingest);
app.route("/", admin);
app.route("/", snippet);
app.route("/", dashboard);
app.route("/", dev);

// Locally the demo is the front door; a deployed collector says what it is and where to look.
app.get("/", (c) => {
  if (isDev(c.env)) return c.redirect("/demo/");
  const base = normalize(c.env.LEADLIGHT_BASE_PATH);
  return c.json({ service: "leadlight", status: "ok", script: `${base}/s.js`, ingest: `${base}/v1/events`, dashboard: `${base}/dashboard` });
});
// Browsers ask for it on every page; a 204 keeps the console clean.
app.get("/favicon.ico", (c) => c.body(null, 204));

app.notFound(() => new ApiError("not_found", "no such route").toResponse());

app.onError((error, c) => {
  if (error instanceof ApiError) return error.toResponse();
  if (error instanceof HTTPException) {
    // A middleware that already answered in our error shape (bearer auth's messages) keeps it.
    if (error.res?.headers.get("content-type")?.startsWith("application/json")) return error.getResponse();
    const code = error.status === 401 ? "unauthorized" : error.status === 413 ? "payload_too_large" : "invalid_request";
    return new ApiError(code, error.message || "request refused", {}, Object.fromEntries(error.getResponse().headers)).toResponse();
  }
  log("error", "http.unhandled_error", { method: c.req.method, path: new URL(c.req.url).pathname, reason: reason(error) });
  return new ApiError("internal_error", "the collector failed; nothing from this request may have been stored").toResponse();
});
