/**
 * The modules form no import cycle, type-only imports included: data flows one way (request →
 * validation → lead object → scoring → transition → outbox → delivery) and every module can be
 * read, changed and tested without the ones that import it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return name === "generated" ? [] : sources(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [normalize(path)] : [];
  });
}

test("no module imports itself through others (type-only imports count)", () => {
  const files = new Set(["worker", "shared", "snippet"].flatMap(sources));
  const imports = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), "utf8");
    const targets = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gs)].flatMap(([, spec]) => {
      const base = normalize(join(dirname(file), spec as string));
      return [`${base}.ts`, join(base, "index.ts")].filter((candidate) => files.has(candidate)).slice(0, 1);
    });
    imports.set(file, targets);
  }
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    path.push(file);
    for (const next of imports.get(file) ?? []) {
      if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(".", f)).join(" → "));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of files) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});
