// The lead index's schema, from migrations/*.sql, as `wrangler d1 migrations apply` would apply it
// (vitest.config.mts reads them into the TEST_D1_MIGRATIONS binding, a test-only one).
import { type D1Migration, applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

const { TEST_D1_MIGRATIONS } = env as unknown as { TEST_D1_MIGRATIONS: D1Migration[] };
await applyD1Migrations(env.LEAD_INDEX, TEST_D1_MIGRATIONS);
