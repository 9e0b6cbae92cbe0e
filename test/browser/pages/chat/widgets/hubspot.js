// Stand-in for HubSpot's chat widget: window.HubSpotConversations appears when the API is ready,
// then every function in window.hsConversationsOnReady runs. Documented events include
// conversationStarted, conversationClosed, unreadConversationCountChanged, widgetLoaded.
(() => {
  const handlers = {};
  const fire = (name, data) => (handlers[name] || []).forEach((fn) => fn(data));
  let started = false;
  const open = () => {
    if (started) return;
    started = true;
    fire("conversationStarted", { conversation: { conversationId: 99, threadId: 1 } });
  };
  window.HubSpotConversations = {
    on: (name, fn) => (handlers[name] = handlers[name] || []).push(fn),
    off: (name, fn) => (handlers[name] = (handlers[name] || []).filter((h) => h !== fn)),
    widget: { open, load() {}, remove() {}, refresh() {}, status: () => ({ loaded: true }) },
  };
  for (const ready of window.hsConversationsOnReady || []) ready();
  fire("widgetLoaded", { message: "Widget has loaded" });
  window.__widget = {
    open,
    close() {},
    send: () => fire("userInteractedWithWidget", { message: "User interacted with widget" }),
    agent: () => fire("unreadConversationCountChanged", { unreadCount: 1 }),
    hooked: () => (handlers.conversationStarted || []).length > 1,
  };
})();
