/**
 * GET /dashboard: where marketing and sales work. A static page plus one bundled script
 * (dashboard/, built by scripts/build-dashboard.mjs) that reads the admin API with
 * the admin token; in local development (LEADLIGHT_DEV) the token is filled in, so `npm start`
 * shows everything at once, and elsewhere the page asks for it and keeps it for the tab only.
 *
 * Served under a path prefix (LEADLIGHT_BASE_PATH, or a proxy that strips one), the page still
 * works: its script and stylesheet are linked relative to the page, and the client takes the
 * prefix from its own address for every API call and link it builds.
 *
 * The CSP allows scripts and styles from the collector only: no inline script can run, whatever
 * a stored event carries, and the client writes data through textContent, never as HTML.
 */
import { type Context, Hono } from "hono";
import { DASHBOARD_SCRIPT, DASHBOARD_SCRIPT_ETAG, DASHBOARD_STYLE, DASHBOARD_STYLE_ETAG } from "./generated/dashboard";
import type { Boot } from "../dashboard/boot";
import { type Env, isDev, isLoopbackHost } from "./env";
import { loadConfig, siteScoring } from "./settings";

export const dashboard = new Hono<{ Bindings: Env }>();

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

dashboard.get("/dashboard", (c) => {
  // Only to a page the developer opened on this machine by name: a DNS-rebound site asking for
  // /dashboard arrives with its own Host and gets no token.
  const local = isLoopbackHost(new URL(c.req.url).host);
  const token = isDev(c.env) && local && typeof c.env.ADMIN_TOKEN === "string" ? c.env.ADMIN_TOKEN : null;
  const config = loadConfig(c.env);
  const thresholds = (key: string) => {
    const { stages } = siteScoring(config, key).scoring;
    return { mql: stages.mql.min_score, sql: stages.sql.min_score };
  };
  const boot: Boot = {
    token,
    dev: isDev(c.env),
    sites: config.sites.map((site) => ({ key: site.key, name: site.name, thresholds: thresholds(site.key) })),
    thresholds: { mql: config.scoring.stages.mql.min_score, sql: config.scoring.stages.sql.min_score },
  };
  // A JSON data block, never executed; "<" escaped so no value can close the tag.
  const json = JSON.stringify(boot).replace(/</g, "\\u003c");
  c.header("cache-control", "no-store");
  c.header("content-security-policy", DASHBOARD_CSP);
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "no-referrer");
  return c.html(PAGE.replace("BOOT_JSON", () => json));
});

// Revalidated on each load (no-cache) so a redeploy is seen at once; the ETag makes that a 304.
const asset = (body: string, etag: string, type: string) => (c: Context) => {
  const headers = { "content-type": type, etag, "cache-control": "no-cache", "x-content-type-options": "nosniff" };
  return c.req.header("if-none-match") === etag ? c.body(null, 304, headers) : c.body(body, 200, headers);
};

dashboard.get("/dashboard/app.js", asset(DASHBOARD_SCRIPT, DASHBOARD_SCRIPT_ETAG, "text/javascript; charset=utf-8"));
dashboard.get("/dashboard/app.css", asset(DASHBOARD_STYLE, DASHBOARD_STYLE_ETAG, "text/css; charset=utf-8"));

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Leadlight dashboard</title>
<link rel="stylesheet" href="dashboard/app.css">
<script type="application/json" id="boot">BOOT_JSON</script>
<script src="dashboard/app.js" defer></script>
</head>
<body>
<header><h1><span aria-hidden="true">●</span> Leadlight</h1>
<label>Site <select id="site"><option value="">all sites</option></select></label>
<span class="sp"></span><span id="status" role="status" class="mute">Loading…</span>
<form id="token-form" hidden><label>Admin token <input id="token" type="password" autocomplete="off" size="22"></label> <button type="submit">Use token</button></form>
</header>
<main>
<section class="wide" aria-labelledby="h-funnel"><div class="head"><h2 id="h-funnel">Funnel</h2>
<form id="range" class="range"><label>From <input id="from" type="date" required></label> <label>To <input id="to" type="date" required></label> <button type="submit">Apply</button></form></div>
<div id="funnel" class="funnel"><p class="empty">Loading…</p></div><div id="sales"></div><div id="channels"></div></section>
<section aria-labelledby="h-leads"><h2 id="h-leads">Leads by score</h2>
<form id="find" class="find"><label>Search <input id="q" type="search" placeholder="email, company, domain or name" autocomplete="off"></label>
<label>Stage <select id="stage"><option value="">any</option></select></label>
<label>Channel <select id="channel"><option value="">any</option></select></label>
<label>Min score <input id="min" type="number" step="1" inputmode="numeric" size="5"></label>
<button type="submit">Find</button> <button type="button" id="clear">Clear</button></form>
<p class="hint mute">Search matches part of an email, its domain, a company or a name (any case); stage, first-touch channel and minimum score filter the list.</p>
<div id="leads"><p class="empty">Loading…</p></div><div class="pager"><button type="button" id="first" hidden>First page</button> <button type="button" id="next" hidden>Next page</button></div></section>
<section aria-labelledby="h-lead"><h2 id="h-lead">Lead</h2><div id="lead"><p class="empty">Pick a lead to see its timeline.</p></div></section>
<section aria-labelledby="h-accounts"><h2 id="h-accounts">Accounts by score</h2>
<form id="account-find" class="find"><label>Min score <input id="account-min" type="number" step="1" inputmode="numeric" size="5"></label> <button type="submit">Apply</button></form>
<p class="hint mute">An account is the known leads of one business email domain on a site; its score is theirs summed.</p>
<div id="accounts"><p class="empty">Loading…</p></div><div class="pager"><button type="button" id="accounts-first" hidden>First page</button> <button type="button" id="accounts-next" hidden>Next page</button></div></section>
<section aria-labelledby="h-account"><h2 id="h-account">Account</h2><div id="account"><p class="empty">Pick an account to see its leads.</p></div></section>
<section class="wide" aria-labelledby="h-cal"><h2 id="h-cal">Calibration: which rules predict accepted leads</h2><div id="rules"><p class="empty">Loading…</p></div></section>
<section class="wide" aria-labelledby="h-preview"><h2 id="h-preview">What-if preview of a rule change</h2>
<form id="preview"><p class="hint mute">Paste or upload a complete candidate leadlight.config.json. It is replayed on stored leads; nothing is written and no alert leaves.</p>
<textarea id="candidate" rows="6" spellcheck="false" aria-label="Candidate config JSON"></textarea>
<div class="controls"><label>Upload <input id="upload" type="file" accept="application/json,.json"></label> <button type="submit">Run preview</button></div></form>
<div id="preview-out"></div></section>
<section class="wide" aria-labelledby="h-hooks"><h2 id="h-hooks">Webhook log</h2><div id="hooks"><p class="empty">Loading…</p></div><div id="inbox"></div></section>
</main>
</body></html>`;
