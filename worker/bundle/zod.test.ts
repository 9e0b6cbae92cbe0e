import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, transformSync } from "esbuild";
import { describe, expect, it } from "vitest";
import * as zod from "zod";
import * as lean from "./zod-api";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** What zod exports and the bundle's zod leaves out (zod-api.ts says why). */
const LEFT_OUT = ["INVALID", "ZodCompileAsyncError", "ZodCompileUnsupportedError", "compile", "core", "fromJSONSchema", "locales", "withParser"];

/** The runtime code of every .ts file under worker/ and shared/, types stripped (tests excluded). */
function runtimeSources(): { file: string; code: string }[] {
  return ["worker", "shared"].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith(".d.ts"))
      .map((file) => ({ file: `${dir}/${file}`, code: transformSync(readFileSync(join(ROOT, dir, file), "utf8"), { loader: "ts", sourcefile: `${dir}/${file}` }).code })),
  );
}

describe("the zod the Worker bundle is built with", () => {
  it("exports the very values zod exports, under the same names, but for the parts left out", () => {
    const names = (module: object) => Object.keys(module).filter((name) => !["z", "default"].includes(name));
    for (const name of names(lean)) expect(lean[name as keyof typeof lean], name).toBe(zod[name as keyof typeof zod]);
    expect(names(zod).filter((name) => !(name in lean)).sort()).toEqual(LEFT_OUT);
  });

  it("no Worker code calls a part left out", () => {
    const calls = new RegExp(`\\bz\\.(?:${LEFT_OUT.join("|")})\\b`);
    for (const { file, code } of runtimeSources()) expect(code, file).not.toMatch(calls);
  });

  it("bundled through wrangler.toml's alias, it carries no other locale and answers in zod's English", async () => {
    const entry = `import { z } from "zod";
      const schema = z.strictObject({ name: z.string().min(2), n: z.number().int() });
      export default JSON.stringify(schema.safeParse({ name: "a", n: 1.5, extra: true }).error?.issues.map((i) => i.message));`;
    const bundled = await build({
      stdin: { contents: entry, resolveDir: ROOT, loader: "ts" },
      alias: { zod: "./worker/bundle/zod.ts" },
      absWorkingDir: ROOT,
      bundle: true,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      write: false,
      metafile: true,
    });
    const shipped = Object.values(bundled.metafile.outputs).flatMap((output) => Object.entries(output.inputs));
    const locales = shipped.filter(([input, { bytesInOutput }]) => input.includes("/locales/") && bytesInOutput > 0);
    expect(locales.map(([input]) => input)).toEqual(["node_modules/zod/v4/locales/en.js"]);
    const code = bundled.outputFiles[0]?.text ?? "";
    const { default: messages } = (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as { default: string };
    expect(JSON.parse(messages)).toEqual([
      "Too small: expected string to have >=2 characters",
      "Invalid input: expected int, received number",
      'Unrecognized key: "extra"',
    ]);
  });
});
