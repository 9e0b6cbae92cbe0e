import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

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
                WEBHOOK_SECRET_SALES: "whsec_dGVzdC1zZWNyZXQtZm9yLWxlYWRsaWdodC10ZXN0cw==",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
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
