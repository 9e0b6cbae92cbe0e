import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, transformSync } from "esbuild";
import { describe, expect, it } from "vitest";
import * as zod from "zod";
import * as lean from "./zod-api";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The runtime code of every .ts file under worker/ and shared/, types stripped (tests excluded). */
function runtimeSources(): { file: string; code: string }[] {
  return ["worker", "shared"].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith(".d.ts") && !file.startsWith("generated/"))
      .filter((file) => !file.startsWith("bundle/"))
      .map((file) => ({ file: `${dir}/${file}`, code: transformSync(readFileSync(join(ROOT, dir, file), "utf8"), { loader: "ts", sourcefile: `${dir}/${file}` }).code })),
  );
}

describe("the zod the Worker bundle is built with", () => {
  it("exports zod's own values under zod's names", () => {
    for (const [name, value] of Object.entries(lean)) expect(value, name).toBe(zod[name as keyof typeof zod]);
  });

  it("has every member of z the Worker's code calls", () => {
    for (const { file, code } of runtimeSources()) {
      for (const [call, member = ""] of code.matchAll(/\bz\.([A-Za-z_$][\w$]*)/g)) {
        expect(member in lean, `${file} calls ${call}: add it to worker/bundle/zod-api.ts`).toBe(true);
      }
    }
  });

  it("is only ever read as z.<member> where zod is imported, so the list above sees every use", () => {
    for (const { file, code } of runtimeSources().filter(({ code }) => code.includes('from "zod"'))) {
      const uses = code.replace(/^import .* from "zod";$/gm, "").match(/(?<![\w$.])z\b(?![\w$]|\.[A-Za-z_$])/g);
      expect(uses, `${file} uses z otherwise than as z.<member>`).toBeNull();
    }
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
