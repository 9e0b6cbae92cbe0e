/**
 * GET /dashboard: the funnel with conversion rates, leads by score, one lead's timeline with its
 * score over time, and the webhook log. One static page that reads the admin API with the
 * admin token; in local development (LEADLIGHT_DEV) the token is filled in, so `npm start`
 * shows everything at once, and elsewhere the page asks for it and keeps it for the tab only.
 */
import { Hono } from "hono";
import { type Env, isDev, isLoopbackHost } from "./env";
import { loadConfig } from "./settings";

export const dashboard = new Hono<{ Bindings: Env }>();

dashboard.get("/dashboard", (c) => {
  // Only to a page the developer opened on this machine by name: a DNS-rebound site asking for
  // /dashboard arrives with its own Host and gets no token.
  const local = isLoopbackHost(new URL(c.req.url).host);
  const token = isDev(c.env) && local && typeof c.env.ADMIN_TOKEN === "string" ? c.env.ADMIN_TOKEN : null;
  // JSON in a script tag: "<" escaped so no value can close the tag.
  const sites = loadConfig(c.env).sites.map((site) => ({ key: site.key, name: site.name }));
  const boot = JSON.stringify({ token, dev: isDev(c.env), sites }).replace(/</g, "\\u003c");
  c.header("cache-control", "no-store");
  c.header("content-security-policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
  return c.html(PAGE.replace("/*BOOT*/null", boot));
});

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Leadlight dashboard</title>
<style>
:root{--ink:#1c2430;--mute:#6b7684;--line:#e3e7ec;--bg:#f6f8fa;--accent:#e8590c;--ok:#2b8a3e;--bad:#c92a2a}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:var(--ink);background:var(--bg)}
header{display:flex;gap:1rem;align-items:center;padding:.8rem 1.5rem;background:#fff;border-bottom:1px solid var(--line)}
header h1{font-size:1.1rem;margin:0}header h1 span{color:var(--accent)}header .sp{flex:1}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1rem;padding:1rem 1.5rem;max-width:1400px;margin:auto}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem;min-width:0}
section.wide{grid-column:1/-1}h2{font-size:.95rem;margin:0 0 .7rem;text-transform:uppercase;letter-spacing:.04em;color:var(--mute)}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.35rem .4rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--mute);font-size:.8rem}tr.row{cursor:pointer}tr.row:hover{background:#fff4e6}
.stage{display:inline-block;padding:0 .45rem;border-radius:99px;font-size:.78rem;background:#edf2ff}
.stage.mql{background:#fff3bf}.stage.sql{background:#ffe8cc}.stage.accepted,.stage.won{background:#d3f9d8}.stage.lost,.stage.recycled{background:#ffe3e3}
.funnel{display:flex;gap:.5rem;align-items:flex-end}.step{flex:1;text-align:center}
.bar{background:var(--accent);border-radius:4px 4px 0 0;min-height:2px;opacity:.85}.rate{font-size:.78rem;color:var(--mute)}
.ok{color:var(--ok)}.bad{color:var(--bad)}.mute{color:var(--mute)}code{font-size:.8rem}
input,select,button{font:inherit;padding:.3rem .5rem;border:1px solid var(--line);border-radius:6px;background:#fff}
button{cursor:pointer}pre{white-space:pre-wrap;word-break:break-all;font-size:.78rem;background:var(--bg);padding:.5rem;border-radius:6px;max-height:14rem;overflow:auto}
svg{width:100%;height:140px}.empty{color:var(--mute);padding:1rem 0}
@media (max-width:900px){main{grid-template-columns:1fr}}
</style></head>
<body>
<header><h1><span>●</span> Leadlight</h1><label>Site <select id="site"><option value="">all sites</option></select></label>
<span class="sp"></span><span id="status" class="mute"></span>
<input id="token" type="password" placeholder="admin token" size="22" hidden><button id="save" hidden>Use token</button></header>
<main>
<section class="wide"><h2>Funnel · last 30 days</h2><div id="funnel" class="funnel"></div></section>
<section><h2>Leads by score</h2><div id="leads"></div></section>
<section><h2>Lead</h2><div id="lead" class="empty">Pick a lead to see its timeline.</div></section>
<section class="wide"><h2>Webhook log</h2><div id="hooks"></div></section>
</main>
<script>
const BOOT = /*BOOT*/null;
const $ = (id) => document.getElementById(id);
let token = BOOT.token || sessionStorage.getItem("leadlight-token") || "";
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const when = (iso) => iso ? new Date(iso).toLocaleString() : "";
const pathOf = (url) => { try { return new URL(url).pathname; } catch { return url; } };
const stage = (s) => '<span class="stage ' + esc(s) + '">' + esc(s) + "</span>";

async function api(path) {
  const response = await fetch(path, { headers: { authorization: "Bearer " + token } });
  if (response.status === 401) { askToken(); throw new Error("the admin token was refused"); }
  if (!response.ok) throw new Error(path + ": " + response.status);
  return response.json();
}
function askToken() { $("token").hidden = $("save").hidden = false; $("status").textContent = "Enter the admin token (ADMIN_TOKEN)."; }
$("save").onclick = () => { token = $("token").value.trim(); sessionStorage.setItem("leadlight-token", token); refresh(); };

function siteQuery(prefix) { const s = $("site").value; return s ? prefix + "site=" + encodeURIComponent(s) : ""; }

async function renderFunnel() {
  const stats = await api("/v1/stats" + siteQuery("?"));
  const top = Math.max(1, ...stats.funnel.map((s) => s.count));
  $("funnel").innerHTML = stats.funnel.map((step, i) => {
    const rate = i ? stats.conversion[i - 1].rate : null;
    return '<div class="step"><div class="bar" style="height:' + Math.round((step.count / top) * 90 + 2) + 'px"></div><b>' + step.count +
      "</b><div>" + esc(step.stage) + '</div><div class="rate">' + (rate === null ? "&nbsp;" : Math.round(rate * 100) + "% from " + esc(stats.conversion[i - 1].from)) + "</div></div>";
  }).join("");
}

async function renderLeads() {
  const { leads } = await api("/v1/leads?limit=50" + siteQuery("&"));
  $("leads").innerHTML = leads.length ? "<table><tr><th>Lead</th><th>Stage</th><th>Score</th><th>Last seen</th></tr>" + leads.map((l) =>
    '<tr class="row" data-id="' + esc(l.id) + '"><td>' + (l.email ? esc(l.email) : '<span class="mute">anonymous ' + esc(l.id.slice(0, 8)) + "</span>") + (l.bot ? ' <span class="bad">bot</span>' : "") +
    "</td><td>" + stage(l.stage) + "</td><td>" + l.score + " <span class='mute'>(" + l.engagement + " + " + l.fit + ")</span></td><td>" + when(l.last_seen) + "</td></tr>").join("") + "</table>"
    : '<div class="empty">No leads yet. Open the <a href="/demo/">demo site</a> and click around.</div>';
  for (const row of document.querySelectorAll("tr.row")) row.onclick = () => { location.hash = "lead=" + row.dataset.id; };
}

function chart(points) {
  if (points.length < 2) return "";
  const xs = points.map((p) => Date.parse(p.at)), ys = points.map((p) => p.score);
  const x0 = Math.min(...xs), x1 = Math.max(...xs) || x0 + 1, y0 = Math.min(0, ...ys), y1 = Math.max(1, ...ys);
  const px = (x) => 10 + ((x - x0) / Math.max(1, x1 - x0)) * 580, py = (y) => 130 - ((y - y0) / (y1 - y0)) * 120;
  const path = points.map((p, i) => (i ? "L" : "M") + px(xs[i]).toFixed(1) + " " + py(ys[i]).toFixed(1)).join(" ");
  return '<svg viewBox="0 0 600 140" preserveAspectRatio="none"><line x1="10" x2="590" y1="' + py(0) + '" y2="' + py(0) + '" stroke="#e3e7ec"/>' +
    '<path d="' + path + '" fill="none" stroke="#e8590c" stroke-width="2"/><text x="12" y="12" font-size="11" fill="#6b7684">max ' + y1 + "</text></svg>";
}

async function renderLead() {
  const id = new URLSearchParams(location.hash.slice(1)).get("lead");
  if (!id) return;
  const view = await api("/v1/leads/" + encodeURIComponent(id));
  const l = view.lead;
  $("lead").className = "";
  $("lead").innerHTML = "<p><b>" + esc(l.email || "anonymous visitor") + "</b> " + stage(l.stage) + " score <b>" + l.score + "</b> = engagement " + l.engagement + " + fit " + l.fit +
    '<br><span class="mute">first seen ' + when(l.first_seen) + " · last seen " + when(l.last_seen) + " · " + l.events_total + " events</span></p>" +
    chart(view.score_history) +
    "<table><tr><th>Rule</th><th>Points</th><th>Times</th></tr>" + view.reasons.map((r) => "<tr><td>" + esc(r.rule) + "</td><td>" + r.points + "</td><td>" + r.count + "</td></tr>").join("") + "</table>" +
    "<h2 style='margin-top:1rem'>Stage changes</h2><table>" + view.transitions.map((t) => "<tr><td>" + when(t.at) + "</td><td>" + stage(t.from) + " → " + stage(t.to) + "</td><td>" + t.score + "</td><td class='mute'>" + esc(t.cause) + "</td></tr>").join("") + "</table>" +
    "<h2 style='margin-top:1rem'>Timeline</h2><table>" + view.events.slice(-30).reverse().map((e) => "<tr><td>" + when(e.received_at) + "</td><td>" + esc(e.type) + (e.name ? " " + esc(e.name) : "") +
      (e.bot ? ' <span class="bad">bot: ' + esc(e.bot) + "</span>" : "") + "</td><td class='mute'>" + esc(e.url ? pathOf(e.url) : JSON.stringify(e.props || {})) + "</td></tr>").join("") + "</table>";
}

async function renderHooks() {
  const [{ deliveries }, inbox] = await Promise.all([api("/v1/deliveries?limit=30"), BOOT.dev ? api("/dev/inbox?limit=10").catch(() => null) : null]);
  let html = deliveries.length ? "<table><tr><th>When</th><th>Alert</th><th>Endpoint</th><th>Status</th><th>Attempts</th><th>Lead</th><th></th></tr>" + deliveries.map((d) =>
    "<tr><td>" + when(d.updated_at) + "</td><td>" + esc(d.type) + " #" + d.sequence + "</td><td>" + esc(d.endpoint) + '</td><td class="' + (d.status === "delivered" ? "ok" : d.status === "pending" ? "" : "bad") + '">' + esc(d.status) +
    (d.last_error ? ' <span class="mute">' + esc(d.last_error.slice(0, 80)) + "</span>" : "") + "</td><td>" + d.attempts + '</td><td><a href="#lead=' + esc(d.lead_id) + '">' + esc(d.lead_id.slice(0, 8)) + "</a></td><td>" +
    (d.status === "failed" || d.status === "disabled" ? '<button data-redeliver="' + esc(d.id) + '">Redeliver</button>' : "") + "</td></tr>").join("") + "</table>" : '<div class="empty">No alerts sent yet.</div>';
  if (inbox) html += "<h2 style='margin-top:1rem'>Dev inbox: what sales received</h2>" + (inbox.messages.length ? inbox.messages.map((m) => "<p>" + (m.verified ? '<span class="ok">✔ signature verified</span>' : '<span class="bad">✘ ' + esc(m.verify_error) + "</span>") +
    " · " + when(m.received_at) + " · <code>" + esc(m.headers["webhook-id"]) + "</code></p><pre>" + esc(JSON.stringify(m.body, null, 2)) + "</pre>").join("") : '<div class="empty">Nothing received yet.</div>');
  $("hooks").innerHTML = html;
  for (const b of document.querySelectorAll("[data-redeliver]")) b.onclick = async () => {
    await fetch("/v1/deliveries/" + encodeURIComponent(b.dataset.redeliver) + "/redeliver", { method: "POST", headers: { authorization: "Bearer " + token } });
    refresh();
  };
}

async function refresh() {
  if (!token) return askToken();
  try {
    await Promise.all([renderFunnel(), renderLeads(), renderLead(), renderHooks()]);
    $("status").textContent = "updated " + new Date().toLocaleTimeString();
    $("token").hidden = $("save").hidden = true;
  } catch (error) { $("status").textContent = error.message; }
}
for (const s of BOOT.sites) $("site").insertAdjacentHTML("beforeend", '<option value="' + esc(s.key) + '">' + esc(s.name) + "</option>");
$("site").onchange = refresh;
window.onhashchange = renderLead;
refresh();
setInterval(refresh, 3000);
</script></body></html>`;
