/**
 * Chatbot conversations in seven common widgets, through each one's public JavaScript event API.
 * Widgets often load after the snippet, so their globals are looked for every second until found.
 * Where an API keeps a single handler (tawk.to's properties, Crisp's last-one-wins "on"), the
 * site's handler is chained, never replaced.
 *
 * Where a widget's event hands the page the email a visitor typed into the chat (Drift's
 * emailCapture, Crisp's user:email:changed), the visitor is identified as by
 * leadlight('identify', email); LiveChat hands it through a getter, read when its form_submitted
 * event reports a form (pre-chat, ticket) sent. Intercom's onUserEmailSupplied passes no
 * argument and HubSpot's events carry no email, so those two cannot identify.
 */
import { after } from "./after";
import { here } from "./capture";
import { safe } from "./safe";
import type { Emit } from "./types";

type Fn = (...args: unknown[]) => unknown;
type Widget = Fn & { on: Fn; push: Fn; get: (key: string) => { email: string } } & Record<string, unknown>;
type Subscribe = (widget: Widget, event: string, handler: (payload?: unknown) => void) => void;

/** How each API subscribes; PROVIDERS names them by index (a digit, as a string: it indexes too). */
const SUBSCRIBE: Subscribe[] = [
  // Intercom('onShow', fn); zE('messenger:on', 'open', fn) for Zendesk messaging.
  (widget, event, handler) => widget(event, handler),
  (widget, event, handler) => widget("messenger:on", event, handler),
  // drift.on, HubSpotConversations.on, LiveChatWidget.on.
  (widget, event, handler) => widget.on(event, handler),
  // $crisp is an array of commands until Crisp loads, then an object with the same push. Crisp
  // keeps one handler per event, the last: a site's handler still queued is chained, not replaced.
  (widget, event, handler) =>
    (widget as unknown as { filter?: (test: (command: unknown[]) => boolean) => unknown[][] })
      .filter?.((command) => command[0] == "on" && command[1] == event)
      .map((command) => (command[2] = after(command[2] as Fn, handler))).length || widget.push(["on", event, handler]),
  // tawk.to calls `Tawk_API.onChatStarted()` and friends: one property, one handler. The site's,
  // set with the embed code before the widget loads, is chained, never replaced.
  (widget, key, handler) => (widget[key] = after(widget[key] as Fn | undefined, handler)),
];

/**
 * One event per line: `provider/global/subscribe/event/action[/test]`; a provider's lines repeat
 * its name, which gzip stores as a back-reference, cheaper than a nested list. Stubs queue calls
 * made before a widget loads (Intercom, drift, $crisp, LiveChatWidget); HubSpotConversations and
 * zE appear once their API is ready. The optional test is a fragment of the payload's JSON: a
 * quote inside a JSON string is escaped, so it cannot match message text. It keeps only the
 * visitor's own actions where a payload reports both sides (LiveChat reports agent messages and
 * minimising). The action "@" identifies: the email is the payload's `data.email` (Drift) or the
 * payload (Crisp); with a last field, `widget.get(field).email` (LiveChat's customer_data, whose
 * email is the one the visitor gave in the chat's form).
 */
const PROVIDERS = `intercom/Intercom/0/onShow/opened
drift/drift/2/startConversation/started
drift/drift/2/message:sent/message
drift/drift/2/emailCapture/@
hubspot/HubSpotConversations/2/conversationStarted/started
crisp/$crisp/3/chat:opened/opened
crisp/$crisp/3/message:sent/message
crisp/$crisp/3/user:email:changed/@
tawk/Tawk_API/4/onChatStarted/started
tawk/Tawk_API/4/onChatMessageVisitor/message
zendesk/zE/1/open/opened
livechat/LiveChatWidget/2/visibility_changed/opened/"maximized"
livechat/LiveChatWidget/2/new_event/message/"type":"customer"
livechat/LiveChatWidget/2/form_submitted/@/customer_data`.split("\n");

export function chats(emit: Emit): void {
  const hook = (): unknown =>
    PROVIDERS.map(
      safe((line: string, index: number) => {
        const [provider, global, how, event, action, test] = line.split("/") as [string, string, string, string, string, string?];
        const widget = (window as unknown as Record<string, Widget | undefined>)[global];
        if (!widget) return;
        // Crossed off before subscribing: a half-failed attempt must not subscribe twice later.
        PROVIDERS[index] = "";
        SUBSCRIBE[how as unknown as number]!(
          widget,
          event,
          safe((payload?: unknown) => {
            // A form sent without an email (LiveChat's post-chat survey) identifies no one.
            if (action == "@") (payload = test ? widget.get(test).email : (payload as { data?: { email: string } }).data?.email || payload) && emit({ type: "identify", props: { email: payload as string } }, 1);
            else if (!test || JSON.stringify(payload).includes(test)) emit({ type: "chat", url: here(), props: { provider, action } });
          }),
        );
      }),
    );
  hook();
  // A handful of property reads a second: cheaper than the code that would stop it.
  setInterval(hook, 1e3);
}
