/**
 * The demo's chat widget: a small stand-in that speaks Crisp's public `$crisp` API, so the snippet
 * captures it exactly as it would the real one. Commands pushed before it loads (`["on",
 * "chat:opened", fn]`) are replayed, as Crisp does; `chat:opened` fires when the visitor opens
 * the box and `message:sent` when they send a message.
 */
export const CHAT_WIDGET_JS = `(() => {
  const queued = Array.isArray(window.$crisp) ? window.$crisp : [];
  const handlers = {};
  const fire = (event, data) => (handlers[event] || []).forEach((fn) => { try { fn(data); } catch (e) { console.error(e); } });
  const run = (command) => {
    const [verb, name, arg] = command;
    if (verb === "on") (handlers[name] = handlers[name] || []).push(arg);
    if (verb === "do" && name === "chat:open") open();
  };
  window.$crisp = { push: run, is: (name) => name === "chat:opened" && box.hidden === false };

  const root = document.createElement("div");
  root.className = "chat";
  root.innerHTML = \`
    <div class="chat-box" hidden>
      <header>Ask us anything <button type="button" class="chat-close" aria-label="Close">×</button></header>
      <ol class="chat-log"><li class="them">Hi! I'm the Leadlight bot. What brings you here today?</li></ol>
      <form class="chat-form"><input name="message" autocomplete="off" placeholder="Type a message…" aria-label="Message"><button>Send</button></form>
    </div>
    <button type="button" class="chat-launcher">💬 Chat with us</button>\`;
  document.body.append(root);
  const box = root.querySelector(".chat-box");
  const log = root.querySelector(".chat-log");
  const say = (who, text) => {
    const li = document.createElement("li");
    li.className = who;
    li.textContent = text;
    log.append(li);
    log.scrollTop = log.scrollHeight;
  };
  const open = () => {
    if (!box.hidden) return;
    box.hidden = false;
    fire("chat:opened");
    root.querySelector("input").focus();
  };
  root.querySelector(".chat-launcher").addEventListener("click", () => (box.hidden ? open() : (box.hidden = true, fire("chat:closed"))));
  root.querySelector(".chat-close").addEventListener("click", () => { box.hidden = true; fire("chat:closed"); });
  root.querySelector(".chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = event.target.elements.message;
    const content = input.value.trim();
    if (!content) return;
    input.value = "";
    say("me", content);
    fire("message:sent", { type: "text", content });
    setTimeout(() => say("them", "Thanks! A human will be with you shortly. Meanwhile, the pricing page has plan details, and you can book a demo any time."), 600);
  });
  queued.forEach(run);
})();
`;
