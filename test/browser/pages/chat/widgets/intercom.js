// Stand-in for Intercom's messenger: the real library replaces the `Intercom` stub of the embed
// code and replays the calls it queued in `Intercom.q`. Documented events: onShow, onHide,
// onUnreadCountChange, onUserEmailSupplied.
(() => {
  const queued = (window.Intercom && window.Intercom.q) || [];
  const handlers = {};
  const fire = (name, ...args) => (handlers[name] || []).forEach((fn) => fn(...args));
  let shown = false;
  const open = () => {
    if (shown) return;
    shown = true;
    fire("onShow");
  };
  const close = () => {
    shown = false;
    fire("onHide");
  };
  window.Intercom = (method, ...args) => {
    if (/^on[A-Z]/.test(method)) (handlers[method] = handlers[method] || []).push(args[0]);
    if (method === "show") open();
    if (method === "hide") close();
  };
  for (const args of queued) window.Intercom(...args);
  window.__widget = { open, close, send() {}, agent: () => fire("onUnreadCountChange", 1), hooked: () => (handlers.onShow || []).length > 1 };
})();
