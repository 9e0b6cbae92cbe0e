/**
 * leadlight.config.schema.json, the JSON Schema that lets editors check and complete
 * leadlight.config.json as it is typed (the config names it in its "$schema" key). It is
 * generated from the zod schema, so the two cannot drift: `npm run config:schema` writes it,
 * and a unit test fails while the committed file differs from what this generates.
 */
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import * as z from "zod";
import { Config } from "../worker/config";

/** Beside the config at the repository root; this file runs from scripts/ or, bundled, dist/. */
export const SCHEMA_FILE = new URL("../leadlight.config.schema.json", import.meta.url);

/** The schema file's text, exactly as committed. */
export function configSchemaText(): string {
  const schema = z.toJSONSchema(Config, {
    // What a person writes, not what parsing returns: keys with defaults are optional.
    io: "input",
    // Draft 7 is the one every editor's JSON support knows.
    target: "draft-07",
    // A zod type with no JSON Schema form must stop the generation, not become "anything goes".
    unrepresentable: "throw",
  });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(SCHEMA_FILE, configSchemaText());
  console.log("config: wrote leadlight.config.schema.json");
}
