/**
 * The score over time as inline SVG built node by node: a time axis, the MQL and SQL threshold
 * lines of the lead's site, and a marker at each stage change.
 */
import type { LeadView } from "../shared/api";
import { s } from "./dom";

const W = 600;
const H = 190;
const LEFT = 34;
const RIGHT = 10;
const TOP = 10;
const BOTTOM = 24;

function tickLabel(t: number, span: number): string {
  const d = new Date(t);
  return span < 36 * 3_600_000 ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : d.toLocaleDateString([], { month: "short", day: "numeric" });
}

export function scoreChart(view: LeadView, thresholds: { mql: number; sql: number }): SVGSVGElement | null {
  const points = view.score_history.map((p) => ({ t: Date.parse(p.at), y: p.score })).filter((p) => Number.isFinite(p.t));
  if (points.length === 0) return null;
  const ts = points.map((p) => p.t);
  const t0 = Math.min(...ts);
  const t1 = Math.max(t0 + 60_000, ...ts);
  const top = Math.max(1, thresholds.sql, ...points.map((p) => p.y)) * 1.1;
  const bottom = Math.min(0, ...points.map((p) => p.y));
  const x = (t: number) => LEFT + ((t - t0) / (t1 - t0)) * (W - LEFT - RIGHT);
  const y = (v: number) => H - BOTTOM - ((v - bottom) / (top - bottom)) * (H - TOP - BOTTOM);
  const f = (n: number) => n.toFixed(1);

  const svg = s("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `Score over time, now ${view.lead.score}` });
  svg.append(
    s("line", { class: "axis", x1: LEFT, x2: W - RIGHT, y1: f(y(bottom)), y2: f(y(bottom)) }),
    s("line", { class: "axis", x1: LEFT, x2: LEFT, y1: TOP, y2: f(y(bottom)) }),
  );
  for (let i = 0; i <= 3; i++) {
    const t = t0 + ((t1 - t0) * i) / 3;
    svg.append(s("text", { x: f(x(t)), y: H - 6, "text-anchor": i === 0 ? "start" : i === 3 ? "end" : "middle" }, tickLabel(t, t1 - t0)));
  }
  for (const [name, value] of [["mql", thresholds.mql], ["sql", thresholds.sql]] as const) {
    svg.append(
      s("line", { class: name, x1: LEFT, x2: W - RIGHT, y1: f(y(value)), y2: f(y(value)) }),
      s("text", { x: 2, y: f(y(value) + 3) }, `${name.toUpperCase()} ${value}`),
    );
  }
  for (const change of view.transitions) {
    const t = Date.parse(change.at);
    if (!Number.isFinite(t) || t < t0 || t > t1) continue;
    svg.append(
      s("line", { class: "move", x1: f(x(t)), x2: f(x(t)), y1: TOP, y2: f(y(bottom)) }),
      s("circle", { class: "dot", cx: f(x(t)), cy: f(y(change.score)), r: 3.5 }, s("title", {}, `${change.from} → ${change.to}`)),
      s("text", { x: f(x(t) + 3), y: TOP + 8 }, change.to),
    );
  }
  const path = points.map((p, i) => `${i ? "L" : "M"}${f(x(p.t))} ${f(y(p.y))}`).join(" ");
  svg.append(s("path", { class: "line", d: points.length === 1 ? `${path} h4` : path }));
  return svg;
}
