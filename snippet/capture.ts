/** What the snippet records without any site code: page views and downloads. */
import { after } from "./after";
import { safe } from "./safe";
import type { Emit } from "./types";

/** The page's URL as the wire takes it (the collector refuses longer ones). */
export const here = (): string => location.href.slice(0, 2048);

/** Common document and archive extensions, as a regular expression alternation. */
const FILES = "pdf|(doc|xls|ppt)x?|od[tsp]|rtf|csv|txt|zip|rar|7z|t?gz|tar|dmg|pkg|exe|msi|apk";

/**
 * Page views: the first one, then one per real URL change in a single-page app (pushState,
 * replaceState, popstate) and one per page restored from the back-forward cache. A change of the
 * hash alone is an anchor, not a page. Returns `view(force)` for `leadlight('page')`.
 */
export function pageViews(emit: Emit): (force?: unknown) => void {
  let last: string | undefined = "";
  const view = (force?: unknown): void => {
    const path = here().split("#")[0];
    if (force == 1 || path != last) {
      // The collector reads utm_* and site-search terms from the full URL, so keep the query.
      // The referrer belongs to the page the visitor arrived on, not to in-app navigations.
      emit({ type: "page_view", url: here(), title: document.title.slice(0, 512), ref: last ? undefined : document.referrer });
      last = path;
    }
  };
  // Only 1 forces: History methods and popstate hand it a state or an event.
  const changed = safe(view);
  (["pushState", "replaceState"] as const).map((method) => (history[method] = after(history[method] as never, changed)));
  addEventListener("popstate", changed);
  // A page restored from the cache is forced (1); its first show (0) counts only if it is new.
  addEventListener("pageshow", (e) => changed(+e.persisted));
  return view;
}

/**
 * Downloads: a click or middle-click on a link to a file (by extension) or with a `download`
 * attribute. Sent at once: the click may be the last thing this page does.
 */
export function downloads(emit: Emit, extra = ""): void {
  // `data-downloads="key, .mp4"`: only word characters reach the expression.
  const files = RegExp(`\\.(${FILES}|${extra.replace(/\W+/g, "|")})$`, "i");
  const clicked = safe((e: MouseEvent) => {
    // auxclick also fires for the right button, which opens a menu, not the file.
    const link = e.button < 2 && ((e.target as Element).closest("a[href]") as HTMLAnchorElement | null);
    if (link && (link.matches("[download]") || files.test(link.pathname)))
      emit({ type: "download", url: here(), props: { href: link.href.slice(0, 1024) } }, true);
  });
  addEventListener("click", clicked, true);
  addEventListener("auxclick", clicked, true);
}
