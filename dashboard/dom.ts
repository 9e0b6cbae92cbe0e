/**
 * The dashboard builds every node through these helpers: text goes in as text nodes, attributes
 * through setAttribute, so no value read from the API is ever parsed as HTML.
 */
import { type Opened, hashWith } from "./route";

export type Child = Node | string | number | null | undefined | false;

type Attrs = Record<string, string | number | boolean | null | undefined>;

function apply(el: Element, attrs: Attrs, children: Child[]): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "number" ? String(child) : child);
  }
}

/** An HTML element: `h("td", { class: "mute" }, "text")`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs, children);
  return el;
}

/** An SVG element, same contract as `h`. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  apply(el, attrs, children);
  return el;
}

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};

/** Replaces an element's children. */
export const fill = (el: Element, ...children: Child[]): void => {
  el.replaceChildren();
  apply(el, {}, children);
};

/** A button that is a real <button> (keyboard and screen readers get it for free). */
export const button = (label: string, onClick: (event: MouseEvent) => void, attrs: Attrs = {}): HTMLButtonElement => {
  const el = h("button", { type: "button", ...attrs }, label);
  el.addEventListener("click", onClick);
  return el;
};

export const when = (iso: string | number | null | undefined): string => (iso ? new Date(iso).toLocaleString() : "");

export const stageChip = (stage: string): HTMLSpanElement => h("span", { class: `stage ${stage.replace(/[^a-z]/g, "")}` }, stage);

export const empty = (text: string): HTMLParagraphElement => h("p", { class: "empty" }, text);

export const message = (text: string, kind: "ok" | "bad"): HTMLParagraphElement => h("p", { class: `message ${kind}`, role: "alert" }, text);

export const percent = (rate: number | null | undefined): string => (rate === null || rate === undefined ? "–" : `${Math.round(rate * 100)}%`);

/** A table whose rows scroll sideways inside their panel on a narrow screen, never the page. */
export const table = (head: string[], rows: Node[]): HTMLDivElement =>
  h("div", { class: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, ...head.map((cell) => h("th", {}, cell)))), h("tbody", {}, ...rows)));

/** Key/value pairs as a definition list; objects as compact JSON text. */
export function fields(values: Record<string, unknown>): HTMLDListElement {
  const list = h("dl", { class: "fields" });
  for (const [key, value] of Object.entries(values)) {
    list.append(h("dt", {}, key), h("dd", {}, typeof value === "string" ? value : JSON.stringify(value)));
  }
  return list;
}

/** Rebuilds a region only when its data changed, so an unchanged list keeps the reader's selection and focus. */
const shown = new WeakMap<Element, string>();
export function replaceIfChanged(el: HTMLElement, key: string, build: () => Child[]): void {
  if (shown.get(el) === key) return;
  shown.set(el, key);
  fill(el, ...build());
}

/**
 * A link that opens something in this page (`#lead=...`) and keeps what else is open: the href
 * is right for a new tab, and a click reads the hash as it is then, not as it was when drawn.
 */
export function hashLink(label: string, changes: Partial<Opened>): HTMLAnchorElement {
  const link = h("a", { href: hashWith(changes) }, label);
  link.addEventListener("click", (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    location.hash = hashWith(changes);
  });
  return link;
}
