/**
 * 1. Snippet size: Leadlight's /s.js beside the trackers other products publish, each file read
 * from the package a site would install or load it from, measured the same way: raw bytes,
 * gzip -9, brotli (quality 11). Published files are not all minified (Counterscale's script is
 * not), so the same sizes are also given after one esbuild minify of each file, for fairness;
 * the target is judged on the files as published (what a browser downloads).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { transform } from "esbuild";
import { BENCH, ROOT } from "./lib/paths.mjs";

/** Which file of each package a site loads: the browser bundle, not the npm entry for bundlers. */
export const TRACKERS = [
  {
    name: "Leadlight",
    package: null,
    file: join(ROOT, "dist/s.js"),
    what: "/s.js as the collector serves it (dist/s.js, built by scripts/build.mjs)",
  },
  {
    name: "Plausible",
    package: "@plausible-analytics/tracker",
    file: "plausible.js",
    what: "the package's one browser build (an ES module a site bundles)",
  },
  {
    name: "Counterscale",
    package: "@counterscale/tracker",
    file: "dist/loader/tracker.js",
    what: "the script tag build its server serves as /tracker.js",
  },
  {
    name: "Segment",
    package: "@segment/analytics-next",
    file: "dist/umd/standalone.js",
    what: "the standalone analytics.js (further chunks load lazily and are not counted)",
  },
  {
    name: "PostHog",
    package: "posthog-js",
    file: "dist/array.js",
    what: "the array.js the snippet loads (extensions load lazily and are not counted)",
  },
];

const sizes = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

const versionOf = (pkg) => JSON.parse(readFileSync(join(BENCH, "node_modules", pkg, "package.json"), "utf8")).version;

/**
 * Measures every tracker; the budget and the peers are the targets. The budget is the one
 * snippet/size.test.ts holds the build to: under Counterscale's page-view-only tracker.
 */
export async function measureSizes({ budgetGzip = 1883 } = {}) {
  const rows = [];
  for (const tracker of TRACKERS) {
    const path = tracker.package ? join(BENCH, "node_modules", tracker.package, tracker.file) : tracker.file;
    let source = readFileSync(path);
    // The collector serves the snippet without the file's trailing newline.
    if (!tracker.package) source = Buffer.from(source.toString("utf8").trimEnd());
    const minified = await transform(source.toString("utf8"), {
      minify: true,
      legalComments: "none",
      charset: "utf8",
      loader: "js", // no format: each file keeps its own (Plausible ships an ES module)
    });
    rows.push({
      name: tracker.name,
      version: tracker.package ? versionOf(tracker.package) : null,
      file: tracker.package ? `${tracker.package}/${tracker.file}` : "dist/s.js",
      what: tracker.what,
      ...sizes(source),
      minified: sizes(Buffer.from(minified.code)),
    });
  }

  const [ours, ...peers] = rows;
  const figures = [
    {
      id: "snippet.gzip",
      label: "Leadlight /s.js, gzip -9",
      value: ours.gzip,
      unit: "B",
      target: `≤ ${budgetGzip} B`,
      met: ours.gzip <= budgetGzip,
    },
    ...peers.map((peer) => ({
      id: `snippet.vs.${peer.name.toLowerCase()}`,
      label: `… smaller than ${peer.name} (gzip)`,
      value: ours.gzip / peer.gzip,
      unit: "×",
      display: `${ours.gzip} B vs ${peer.gzip} B (${(ours.gzip / peer.gzip).toFixed(2)}×)`,
      target: "< 1.00×",
      met: ours.gzip < peer.gzip,
    })),
  ];
  return { rows, figures };
}
