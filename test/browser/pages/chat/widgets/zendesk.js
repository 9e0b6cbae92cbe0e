// Stand-in for Zendesk messaging (Web Widget): snippet.js defines `zE`. Documented:
// zE('messenger', 'open'|'close'), zE('messenger:on', 'open'|'close'|'unreadMessages', fn),
// each subscription returning its unsubscribe function.
(() => {
  const handlers = {};
  const fire = (name, data) => (handlers[name] || []).forEach((fn) => fn(data));
  let opened = false;
  const open = () => {
    if (opened) return;
    opened = true;
    fire("open", { id: "e1", createdAt: Date.now(), type: "messagingOpened" });
  };
  const close = () => {
    opened = false;
    fire("close", { id: "e2", createdAt: Date.now(), type: "messagingClosed" });
  };
  window.zE = (scope, name, fn) => {
    if (scope === "messenger:on") {
      (handlers[name] = handlers[name] || []).push(fn);
      return () => (handlers[name] = handlers[name].filter((h) => h !== fn));
    }
    if (scope === "messenger" && name === "open") open();
    if (scope === "messenger" && name === "close") close();
  };
  window.__widget = { open, close, send() {}, agent: () => fire("unreadMessages", 1), hooked: () => (handlers.open || []).length > 1 };
})();
