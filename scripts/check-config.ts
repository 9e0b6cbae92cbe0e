/**
 * Validates leadlight.config.json before anything builds or starts: an invalid file stops
 * here with every problem's JSON path and reason, so it is never half-applied.
 */
import { readFileSync } from "node:fs";
import { ConfigError, parseConfig } from "../worker/config";

const path = process.argv[2] ?? "leadlight.config.json";
try {
  const config = parseConfig(JSON.parse(readFileSync(path, "utf8")));
  console.log(`config: ${path} is valid (${config.sites.length} site(s), ${config.webhooks.length} webhook(s))`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `${path} is not valid JSON: ${(error as Error).message}`);
  process.exit(1);
}
