import type { Env as WorkerEnv } from "../../worker/env";

// The `env` that cloudflare:test hands to tests is the Worker's own.
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}
