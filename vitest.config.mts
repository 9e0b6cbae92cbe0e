import { readFileSync } from "node:fs";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The workers suite owns its world: its own config (never the shipped leadlight.config.json),
// the D1 schema from migrations/, and an outbound service that answers every request the
// Worker makes to the internet with 204, so no test ever reaches a real port or host.
const workersConfig = readFileSync(new URL("./test/fixtures/workers.config.json", import.meta.url), "utf8");
const d1Migrations = await readD1Migrations(new URL("./migrations", import.meta.url).pathname);

// Three suites by kind: pure logic in plain Node (milliseconds), Worker and Durable Object
// behaviour inside workerd, and end-to-end runs against a real `wrangler dev` (browser, webhooks).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          environment: "node",
          include: ["worker/**/*.test.ts", "shared/**/*.test.ts", "snippet/**/*.test.ts"],
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: "test-admin-token",
                LEADLIGHT_DEV: "true",
                LEADLIGHT_CONFIG: workersConfig,
                WEBHOOK_SECRET_SALES: "whsec_dGVzdC1zZWNyZXQtZm9yLWxlYWRsaWdodC10ZXN0cw==",
                IDENTITY_SECRET_PROOF: "identity-secret-of-the-proof-site",
                TEST_D1_MIGRATIONS: d1Migrations,
              },
              // Tests that expect a receiver spy on fetch inside the isolate; anything else the
              // Worker sends (alarms of other tests' leads) ends here instead of on the network.
              outboundService: () => new Response(null, { status: 204 }),
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["./test/workers/apply-migrations.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts", "test/browser/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One wrangler dev and one Chromium at a time on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
