/**
 * The zod the Worker bundle is built with: wrangler.toml's [alias] maps "zod" to this module for
 * `wrangler deploy` and `wrangler dev`. Its `z` holds only the members the collector calls
 * (zod-api.ts), each the very value zod exports. Why: the code writes `import { z } from "zod"`,
 * and esbuild keeps every member of a namespace imported as a value, so the whole of zod shipped:
 * its locales (every error message in ~50 languages, ~260 KB), the JSON Schema converters, the
 * ahead-of-time compiler. Error messages stay zod's English ones: zod registers English on the
 * first schema it builds, whatever the entry. TypeScript still types `import { z } from "zod"`
 * from the real package, and the workers tests run on it; zod.test.ts proves this module exports
 * zod's own values and every member the code calls. (With `import * as z from "zod"` everywhere,
 * esbuild would drop the unused members itself and this alias could go.)
 */
import * as z from "./zod-api";

export * from "./zod-api";
export { z, z as default };
