// Stand-in for LiveChat's tracking.js: the tracking code's LiveChatWidget stub queues calls in
// `_q` until the widget sets `_h`; then every call goes to `_h(method, args)`, and a getter
// returns what `_h` returns. Documented events include visibility_changed ({visibility}),
// new_event ({type, author: {id, type}}), form_submitted ({type: "prechat" | "postchat" |
// "ticket"}), customer_status_changed ({status}); get("customer_data") returns {id, name, email,
// isReturning, status, sessionVariables}, the name and email as the visitor gave them in a form.
(() => {
  const widget = window.LiveChatWidget;
  const handlers = {};
  const customer = { id: "c-1", name: "", email: "", isReturning: false, status: "browsing", sessionVariables: {} };
  const fire = (name, data) => (handlers[name] || []).forEach((fn) => fn(data));
  widget._h = (method, args) => {
    const [name, fn] = args;
    if (method === "on") (handlers[name] = handlers[name] || []).push(fn);
    if (method === "off") handlers[name] = (handlers[name] || []).filter((h) => h !== fn);
    if (method === "call" && name === "maximize") open();
    if (method === "get" && name === "customer_data") return { ...customer };
  };
  const open = () => fire("visibility_changed", { visibility: "maximized" });
  const message = (type) => (text) =>
    fire("new_event", { timestamp: Date.now(), type: "message", text, author: { id: type === "customer" ? "c-1" : "a-1", type } });
  for (const [method, args] of widget._q.splice(0)) widget._h(method, args);
  fire("ready", { state: { availability: "online", visibility: "minimized" }, customerData: { ...customer } });
  window.__widget = {
    open,
    close: () => fire("visibility_changed", { visibility: "minimized" }),
    send: message("customer"),
    agent: message("agent"),
    // The visitor fills in the pre-chat form: LiveChat keeps the email, then reports the form.
    email: (address) => {
      customer.email = address;
      fire("form_submitted", { type: "prechat" });
    },
    // A post-chat survey sent by a visitor who never gave an email.
    survey: () => fire("form_submitted", { type: "postchat" }),
    hooked: () => (handlers.new_event || []).length > 0, // the site's page never listens to it
  };
})();
