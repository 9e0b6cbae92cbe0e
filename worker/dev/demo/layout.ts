/**
 * The frame every demo page shares: the snippet exactly as a site owner pastes it (queue stub,
 * then the async tag), the navigation, a note on what the demo shows, and the chat widget.
 */

/** The one-line queue stub from the README: calls made before /s.js loads wait in `leadlight.q`. */
export const QUEUE_STUB = "window.leadlight=window.leadlight||function(){(leadlight.q=leadlight.q||[]).push(arguments)}";

const NAV = [
  ["/demo/", "Home"],
  ["/demo/pricing", "Pricing"],
  ["/demo/resources", "Resources"],
  ["/demo/careers", "Careers"],
] as const;

const CSS = `
:root { --ink: #1d2433; --muted: #5b6478; --line: #e3e7ef; --brand: #e8590c; --brand-ink: #fff; --soft: #fff4ec; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fafbfc; }
a { color: var(--brand); }
.wrap { max-width: 960px; margin: 0 auto; padding: 0 20px; }
.note { background: var(--ink); color: #d7dce6; font-size: 14px; padding: 8px 0; }
.note a { color: #ffb98a; }
header.site { background: #fff; border-bottom: 1px solid var(--line); }
header.site .wrap { display: flex; align-items: center; gap: 24px; height: 64px; }
.logo { font-weight: 800; font-size: 20px; color: var(--ink); text-decoration: none; }
.logo span { color: var(--brand); }
nav { display: flex; gap: 18px; flex: 1; }
nav a { color: var(--muted); text-decoration: none; }
nav a[aria-current] { color: var(--ink); font-weight: 600; }
.button { display: inline-block; background: var(--brand); color: var(--brand-ink); padding: 10px 18px; border-radius: 8px; text-decoration: none; font-weight: 600; border: 0; font-size: 16px; cursor: pointer; }
.button.ghost { background: transparent; color: var(--brand); border: 1px solid var(--brand); }
main { padding: 48px 0 72px; }
.hero h1 { font-size: 44px; line-height: 1.15; margin: 0 0 16px; max-width: 720px; }
.hero p { font-size: 19px; color: var(--muted); max-width: 640px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 20px; margin-top: 36px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 22px; }
.card h3 { margin-top: 0; }
.card.featured { border-color: var(--brand); box-shadow: 0 6px 24px rgba(232, 89, 12, .12); }
.price { font-size: 34px; font-weight: 800; margin: 4px 0 12px; }
.price small { font-size: 15px; color: var(--muted); font-weight: 400; }
ul.ticks { padding-left: 18px; color: var(--muted); }
form.stack { display: grid; gap: 14px; max-width: 460px; }
label { display: grid; gap: 4px; font-weight: 600; font-size: 14px; }
input, select { font: inherit; font-weight: 400; padding: 9px 11px; border: 1px solid #c9cfdb; border-radius: 8px; }
.thanks { background: var(--soft); border: 1px solid #ffd3b3; border-radius: 12px; padding: 18px 22px; }
footer { border-top: 1px solid var(--line); color: var(--muted); font-size: 14px; padding: 24px 0 90px; }
code { background: #eef1f6; padding: 1px 5px; border-radius: 4px; font-size: 14px; }
.chat { position: fixed; right: 20px; bottom: 20px; display: grid; justify-items: end; gap: 10px; }
.chat-launcher { background: var(--ink); color: #fff; border: 0; border-radius: 24px; padding: 12px 18px; font: inherit; cursor: pointer; box-shadow: 0 6px 20px rgba(0,0,0,.2); }
.chat-box { width: 320px; background: #fff; border: 1px solid var(--line); border-radius: 14px; box-shadow: 0 12px 36px rgba(0,0,0,.18); overflow: hidden; }
.chat-box header { background: var(--ink); color: #fff; padding: 10px 14px; display: flex; justify-content: space-between; }
.chat-close { background: none; border: 0; color: #fff; font-size: 20px; cursor: pointer; line-height: 1; }
.chat-log { list-style: none; margin: 0; padding: 12px; height: 220px; overflow-y: auto; display: grid; gap: 8px; align-content: start; }
.chat-log li { padding: 8px 11px; border-radius: 10px; max-width: 85%; font-size: 14px; }
.chat-log .them { background: #eef1f6; }
.chat-log .me { background: var(--brand); color: #fff; justify-self: end; }
.chat-form { display: flex; gap: 6px; padding: 10px; border-top: 1px solid var(--line); }
.chat-form input { flex: 1; padding: 7px 9px; }
.chat-form button { background: var(--brand); color: #fff; border: 0; border-radius: 8px; padding: 0 12px; cursor: pointer; }
`;

export function page(path: string, title: string, body: string): string {
  const nav = NAV.map(([href, label]) => `<a href="${href}"${href === path ? ' aria-current="page"' : ""}>${label}</a>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Acme Cloud (Leadlight demo)</title>
<style>${CSS}</style>
<script>${QUEUE_STUB}</script>
<script async src="/s.js" data-site="pk_demo"></script>
<script>window.$crisp = [];</script>
<script async src="/demo/chat.js"></script>
</head>
<body>
<div class="note"><div class="wrap">A demo marketing site with the Leadlight snippet on every page. Browse, download, chat, book a demo — then watch your lead score and stage on the <a href="/dashboard">dashboard</a>.</div></div>
<header class="site"><div class="wrap">
<a class="logo" href="/demo/">Acme<span>Cloud</span></a>
<nav>${nav}</nav>
<a class="button" href="/demo/request-demo">Book a demo</a>
</div></header>
<main><div class="wrap">
${body}
</div></main>
<footer><div class="wrap">Acme Cloud is fictional. Your anonymous visitor id: <code id="visitor-id">not yet assigned</code>
<script>addEventListener("load", () => setTimeout(() => { try { const id = localStorage.getItem("ll_v"); if (id) document.getElementById("visitor-id").textContent = id; } catch {} }, 1500));</script>
</div></footer>
</body>
</html>`;
}
