// Stand-in for LiveChat's tracking.js: the tracking code's LiveChatWidget stub queues calls in
// `_q` until the widget sets `_h`; then every call goes to `_h(method, args)`. Documented events
// include visibility_changed ({visibility}), new_event ({type, author: {id, type}}),
// customer_status_changed ({status}).
(() => {
  const widget = window.LiveChatWidget;
  const handlers = {};
  const fire = (name, data) => (handlers[name] || []).forEach((fn) => fn(data));
  widget._h = (method, args) => {
    const [name, fn] = args;
    if (method === "on") (handlers[name] = handlers[name] || []).push(fn);
    if (method === "off") handlers[name] = (handlers[name] || []).filter((h) => h !== fn);
    if (method === "call" && name === "maximize") open();
  };
  const open = () => fire("visibility_changed", { visibility: "maximized" });
  const message = (type) => (text) =>
    fire("new_event", { timestamp: Date.now(), type: "message", text, author: { id: type === "customer" ? "c-1" : "a-1", type } });
  for (const [method, args] of widget._q.splice(0)) widget._h(method, args);
  fire("ready", { state: { availability: "online", visibility: "minimized" }, customerData: {} });
  window.__widget = {
    open,
    close: () => fire("visibility_changed", { visibility: "minimized" }),
    send: message("customer"),
    agent: message("agent"),
    hooked: () => (handlers.new_event || []).length > 0, // the site's page never listens to it
  };
})();
