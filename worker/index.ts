import { app } from "./app";
import type { Env } from "./env";
import { DEAD_LETTER_QUEUE, reviveLostCopies, writeIndexBatch } from "./index-queue";
import type { IndexMessage } from "./lead/index-sync";
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
  // The lead index's copies (with their accounts' reports), in batches from the index queue, and
  // the copies it gave up on, from its dead-letter queue (wrangler.toml).
  queue(batch, env) {
    return batch.queue === DEAD_LETTER_QUEUE ? reviveLostCopies(env, batch) : writeIndexBatch(env, batch);
  },
} satisfies ExportedHandler<Env, IndexMessage>;
