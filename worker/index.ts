import { app } from "./app";
import type { Env } from "./env";
import { writeIndexBatch } from "./index-queue";
import type { TimedCopy } from "./lead-index";
import { noticeRules } from "./sweep/notice";

export { Account } from "./account/object";
export { Inbox } from "./dev/inbox";
export { Lead } from "./lead/object";
export { Sweeper } from "./sweep/object";

export default {
  fetch(request, env, ctx) {
    // New scoring rules reach quiet leads too: the first request an isolate serves starts their sweep.
    noticeRules(env, ctx);
    return app.fetch(request, env, ctx);
  },
  // The lead index's copies, in batches from the index queue (wrangler.toml).
  queue(batch, env) {
    return writeIndexBatch(env.LEAD_INDEX, batch);
  },
} satisfies ExportedHandler<Env, TimedCopy>;
