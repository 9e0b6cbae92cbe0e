/**
 * The Leadlight snippet: what a site owner pastes.
 *
 *   <script async src="https://COLLECTOR/s.js" data-site="pk_..."></script>
 *
 * Calls made before it loads wait in the queue of this one-line stub, placed before the tag:
 *
 *   <script>window.leadlight=window.leadlight||function(){(leadlight.q=leadlight.q||[]).push(arguments)}</script>
 *
 * If the script is blocked or fails, the stub stays and swallows the calls: the page never breaks.
 * Nothing here may throw into the host page, so every entry point is wrapped by `safe`.
 */
import type { Props, Traits } from "../shared/wire";
// Import order is bundle order: storage before the chat table gzips ~15 B smaller.
import { safe } from "./safe";
import { read, write } from "./store";
import { downloads, pageViews } from "./capture";
import { chats } from "./chat";
import { clear, transport, uid } from "./transport";

/** The visitor id, or "0" once the visitor withdrew consent. */
const VISITOR = "ll_v";
const OPTED_OUT = "0";

type Call = [command?: unknown, a?: unknown, b?: unknown];
interface Leadlight {
  (...call: Call): void;
  /** Calls queued by the stub before the script loaded. */
  q?: Call[];
  /** Set once the real snippet runs, so a second copy of the tag does not count everything twice. */
  l?: 1;
}

const host = window as unknown as { leadlight?: Leadlight };
const nav = navigator as Navigator & { globalPrivacyControl?: boolean };

safe(() => {
  if (host.leadlight?.l) return;
  const script = document.currentScript as HTMLScriptElement;
  const data = script.dataset;
  // Do Not Track and Global Privacy Control: nothing is stored and nothing is sent.
  const dnt = "respectDnt" in data && (nav.doNotTrack == "1" || nav.globalPrivacyControl);
  const optedOut = (): boolean => read(VISITOR) == OPTED_OUT;

  // Beacons go to the origin the script came from, unless data-api names a collector: an origin,
  // or a first-party proxy under a path ("https://example.com/ll", with or without a final slash).
  const emit = transport(
    new URL((data.api || "").replace(/\/?$/, "/v1/events"), script.src),
    (events) => {
      // The id is made, or read, only when there is something to send; read each time, since
      // another tab may have made it. A storage too full to keep a new one sends a new one each time.
      // navigator.webdriver is false in a person's browser, which the collector reads as absent.
      return JSON.stringify({ site: data.site, visitor: read(VISITOR) || write(VISITOR, uid()) || uid(), events, webdriver: nav.webdriver });
    },
    () => dnt || optedOut(),
  );

  const view = pageViews(emit);
  const leadlight: Leadlight = safe((command, a, b) => {
    // identify and track usually come from a form that is about to leave the page: send at once.
    // Arguments are not checked here: the collector validates each event and keeps the good ones.
    if (command == "identify") emit({ type: command as "identify", props: { email: a as string, traits: b as Traits } }, 1);
    if (command == "track") emit({ type: command as "track", name: a as string, props: b as Props }, 1);
    if (command == "page") view(1);
    if (command == "consent") {
      // Anything falsy-looking (false, 0) withdraws: in doubt, track less.
      if (a == 0) {
        // Forgets the id: the marker that replaces it identifies no one.
        write(VISITOR, OPTED_OUT);
        clear();
      } else if (optedOut()) {
        write(VISITOR);
        // What was captured while the visitor said no is not sent now that they say yes.
        clear();
        view(1);
      }
    }
  });
  const queued = host.leadlight?.q;
  host.leadlight = leadlight;
  leadlight.l = 1;
  // Queued calls run first and in order: a queued ('consent', false) must stop the first page view.
  queued?.map((call) => leadlight(...call));
  view();
  downloads(emit, data.downloads);
  chats(emit);
})();
