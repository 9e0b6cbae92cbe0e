/**
 * The zod the Worker bundle is built with: wrangler.toml's [alias] maps "zod" to this module for
 * `wrangler deploy` and `wrangler dev`. It is zod's own classic API minus two namespaces the
 * collector never reads: `locales` (every translation of every error message, ~260 KB) and `core`
 * (whose index re-exports the locales again, with the JSON Schema generator and the compiler).
 * esbuild keeps every member of a namespace that is imported as a value (`import { z } from
 * "zod"`), so without this all locales ship although only English is used. Error messages stay
 * the English ones: zod registers English on the first schema it builds, whatever the entry.
 * TypeScript still types `import { z } from "zod"` from the real package; zod.test.ts proves this
 * module exports the very same values under the same names.
 */
import * as z from "./zod-api";

export * from "./zod-api";
export { z, z as default };
