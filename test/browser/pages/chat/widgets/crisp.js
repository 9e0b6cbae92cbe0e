// Stand-in for Crisp: `$crisp` is an array of commands until the chatbox loads, which then
// replaces it with an object whose push runs commands at once. Crisp keeps ONE handler per event:
// a later ["on", event, fn] replaces the earlier one, as the real chatbox does.
(() => {
  const queued = Array.isArray(window.$crisp) ? window.$crisp.slice() : [];
  const handlers = {};
  const fire = (name, data) => handlers[name] && handlers[name](data);
  let opened = false;
  const run = ([verb, name, arg]) => {
    if (verb === "on") handlers[name] = arg;
    if (verb === "off") delete handlers[name];
    if (verb === "do" && name === "chat:open") open();
  };
  const open = () => {
    if (opened) return;
    opened = true;
    fire("chat:opened");
  };
  window.$crisp = { push: (...commands) => commands.forEach(run), is: (state) => state === "chat:opened" && opened };
  queued.forEach(run);
  window.__widget = {
    open,
    close: () => ((opened = false), fire("chat:closed")),
    send: (content) => fire("message:sent", { type: "text", content, origin: "chat" }),
    agent: (content) => fire("message:received", { type: "text", content, from: "operator" }),
    // The visitor gives their email in the chatbox: Crisp's handler receives it.
    email: (address) => fire("user:email:changed", address),
    hooked: () => "message:sent" in handlers, // the site's page never listens to it
  };
})();
