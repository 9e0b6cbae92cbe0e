/**
 * The size budget: the whole script, every feature included, is at most 1,883 bytes gzipped,
 * under Counterscale's tracker (1,884 B), which records page views only.
 * Runs in `npm test` (after scripts/build.mjs) and prints the measured size.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { expect, test } from "vitest";
import { QUEUE_STUB } from "../worker/dev/demo/layout";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = `${ROOT}dist/s.js`;
const BUDGET_GZIP_BYTES = 1883;

test("the snippet is at most 1,883 bytes gzipped", () => {
  if (!existsSync(BUNDLE)) execFileSync(process.execPath, [`${ROOT}scripts/build-snippet.mjs`], { stdio: "pipe" });
  const code = readFileSync(BUNDLE, "utf8").trim();
  const gzip = gzipSync(code, { level: 9 }).length;
  const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`snippet size: ${Buffer.byteLength(code)} B minified, ${gzip} B gzip -9, ${brotli} B brotli (budget ${BUDGET_GZIP_BYTES} B gzip)`);
  expect(gzip).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
});

test("the inline queue stub for calls made before load is under 150 bytes", () => {
  expect(Buffer.byteLength(`<script>${QUEUE_STUB}</script>`)).toBeLessThan(150);
});

test("the bundle keeps all its names inside one function: the host page's globals stay untouched", () => {
  const code = readFileSync(BUNDLE, "utf8").trim();
  expect(code.startsWith("(()=>{")).toBe(true);
  expect(code.endsWith("})();")).toBe(true);
});
