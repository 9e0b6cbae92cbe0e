// Stand-in for tawk.to: the embed code creates `Tawk_API = Tawk_API || {}` and the site assigns
// callbacks to it (onChatStarted, onChatMessageVisitor, onChatMessageAgent, onChatMaximized, ...);
// the widget calls whatever function each property holds at that moment.
(() => {
  const api = window.Tawk_API;
  const call = (name, data) => typeof api[name] === "function" && api[name](data);
  let started = false;
  api.maximize = () => {
    call("onChatMaximized");
    if (started) return;
    started = true;
    call("onChatStarted", { chatId: "c1" });
  };
  api.minimize = () => call("onChatMinimized");
  call("onLoad");
  window.__widget = {
    open: api.maximize,
    close: api.minimize,
    send: (message) => call("onChatMessageVisitor", { message }),
    agent: (message) => call("onChatMessageAgent", { message, name: "Ann" }),
    hooked: () => typeof api.onChatMessageVisitor === "function", // the site's page never sets it
  };
})();
