/**
 * GET /s.js: the snippet, built from snippet/ by scripts/build-snippet.mjs.
 *
 * One hour fresh, then revalidated in the background for a day: a new release reaches every site
 * within the hour, and a revalidation costs a 304 thanks to the ETag.
 */
import { Hono } from "hono";
import type { Env } from "./env";
import { SNIPPET_ETAG, SNIPPET_SOURCE } from "./generated/snippet";

const HEADERS = {
  "Cache-Control": "public, max-age=3600, stale-while-revalidate=86400",
  ETag: SNIPPET_ETAG,
  // Sites that isolate themselves (COEP: require-corp) may still load the script from here.
  "Cross-Origin-Resource-Policy": "cross-origin",
  "X-Content-Type-Options": "nosniff",
};

/** Weak and strong forms, lists and `*` all match: the body has one version at a time. */
const matches = (ifNoneMatch: string | undefined): boolean =>
  !!ifNoneMatch && ifNoneMatch.split(",").some((tag) => ["*", SNIPPET_ETAG].includes(tag.trim().replace(/^W\//, "")));

export const snippet = new Hono<{ Bindings: Env }>();

snippet.get("/s.js", (c) => {
  if (matches(c.req.header("If-None-Match"))) return c.body(null, 304, HEADERS);
  return c.body(SNIPPET_SOURCE, 200, { ...HEADERS, "Content-Type": "application/javascript; charset=utf-8" });
});
