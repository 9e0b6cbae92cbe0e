import { app } from "./app";
import type { Env } from "./env";
import { noticeRules } from "./sweep/notice";

export { Inbox } from "./dev/inbox";
export { Lead } from "./lead/object";
export { Sweeper } from "./sweep/object";

export default {
  fetch(request, env, ctx) {
    // New scoring rules reach quiet leads too: the first request an isolate serves starts their sweep.
    noticeRules(env, ctx);
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
