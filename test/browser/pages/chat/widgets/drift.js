// Stand-in for Drift: the embed code's `drift` is an array whose methods queue [method, ...args];
// the real widget takes them over. Documented events: ready, startConversation, message:sent,
// message (an agent's), emailCapture.
(() => {
  const queued = Array.isArray(window.drift) ? window.drift.slice() : [];
  const handlers = {};
  const fire = (name, data) => (handlers[name] || []).forEach((fn) => fn(data));
  const api = {
    on: (name, fn) => (handlers[name] = handlers[name] || []).push(fn),
    off: (name, fn) => (handlers[name] = (handlers[name] || []).filter((h) => h !== fn)),
    api: { openChat: () => open() },
  };
  const conversation = { conversationId: 4242, inboxId: 7 };
  let started = false;
  const open = () => {
    if (started) return;
    started = true;
    fire("startConversation", conversation);
  };
  window.drift = window.driftt = api;
  for (const [method, ...args] of queued) if (typeof api[method] === "function") api[method](...args);
  fire("ready", { chatOpen: false, widgetVisible: true, isOnline: true });
  window.__widget = {
    open,
    close() {},
    send: () => fire("message:sent", conversation),
    agent: () => fire("message", { ...conversation, messageId: 1 }),
    // The visitor types their email into the conversation.
    email: (address) => fire("emailCapture", { ...conversation, data: { email: address } }),
    hooked: () => (handlers.startConversation || []).length > 1,
  };
})();
