/**
 * 6. The Worker bundle and its cold start.
 *
 * Size: the collector built the way a deploy builds it (`node scripts/build.mjs`, done by run.mjs,
 * then `wrangler deploy --dry-run --outdir`, offline), minified as wrangler.toml ships it
 * (`--minify`, which the config sets anyway) and, for reference, unminified (`--minify=false`,
 * which overrides the config); raw and gzip bytes of every module uploaded, gzip as wrangler
 * computes it for its "Total Upload" line and for Cloudflare's size limit. The contributors come
 * from the same build: wrangler's `--metafile` is esbuild's metafile of exactly that bundle
 * (conditions workerd/worker/browser, `cloudflare:*` external), so no second build can differ.
 *
 * Cold start, two ways, each from a fresh process and fresh storage to the first 202 of
 * POST /v1/events (the Lead object created and its tables migrated on the way):
 *   (a) `wrangler dev` spawned → first 202: what a developer waits for; includes wrangler's own
 *       start, its esbuild bundling and its proxy workerd;
 *   (b) a fresh workerd, started through miniflare (the one wrangler itself uses) on the minified
 *       dry-run bundle with the bindings wrangler reads from wrangler.toml → workerd listening →
 *       first 202: the runtime's own part, nearest to what a deploy's first request pays.
 * The floor Worker (bench/floor) is measured the same way beside it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { BENCH, ROOT } from "./lib/paths.mjs";
import { median, now } from "./lib/stats.mjs";
import { ADMIN_TOKEN, COLLECTOR_CONFIG, defaultConfig } from "./lib/targets.mjs";
import { WRANGLER_ENV, applyD1Migrations, startWorker } from "./lib/wrangler.mjs";

const requireRoot = createRequire(join(ROOT, "package.json"));
const WRANGLER = requireRoot.resolve("wrangler/bin/wrangler.js");
const KIB = 1024;
const TARGET_GZIP_KIB = 150;

const COLLECTOR = { name: "Leadlight", config: COLLECTOR_CONFIG };
const FLOOR = { name: "floor", config: join(BENCH, "floor/wrangler.toml") };

/** Files wrangler writes beside the modules, not uploaded. */
const notUploaded = (file) => file.endsWith(".map") || file === "README.md";

/** `wrangler deploy --dry-run` into a fresh directory; the uploaded modules' sizes and esbuild's metafile. */
function dryRun({ config }, { minify }) {
  const outdir = mkdtempSync(join(tmpdir(), "leadlight-bench-bundle-"));
  const metafile = `${outdir}.meta.json`;
  const args = [WRANGLER, "deploy", "--dry-run", "--config", config, "--outdir", outdir, "--metafile", metafile, minify ? "--minify" : "--minify=false"];
  const output = execFileSync(process.execPath, args, { cwd: ROOT, env: WRANGLER_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
  const modules = readdirSync(outdir).filter((file) => !notUploaded(file));
  const contents = modules.map((file) => readFileSync(join(outdir, file)));
  const all = Buffer.concat(contents);
  // wrangler's own figure, kept beside ours as a check: "Total Upload: 717.77 KiB / gzip: 185.96 KiB"
  const reported = output.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/);
  return {
    outdir,
    modules,
    raw: all.length,
    // zlib's default level over the modules in one stream, as wrangler measures an upload.
    gzip: gzipSync(all).length,
    wranglerReports: reported ? { rawKiB: Number(reported[1]), gzipKiB: Number(reported[2]) } : null,
    meta: JSON.parse(readFileSync(metafile, "utf8")),
    cleanup: () => {
      rmSync(outdir, { recursive: true, force: true });
      rmSync(metafile, { force: true });
    },
  };
}

/** "zod" for node_modules/zod/v4/core/api.js, "worker/" for worker/lead.ts. */
function packageOf(input) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (match) return match[1];
  return input.includes("/") ? `${input.split("/")[0]}/ (own)` : `${input} (own)`;
}
/** "zod/v4/locales/" for node_modules/zod/v4/locales/he.js: shows what inside a package weighs. */
function folderOf(input) {
  const path = input.replace(/^.*node_modules\//, "");
  return path.includes("/") ? `${path.slice(0, path.lastIndexOf("/"))}/` : path;
}

/** Bytes each input contributes to the uploaded JavaScript, grouped, largest first. */
function contributors(meta, groupOf, top = 10) {
  const groups = new Map();
  let total = 0;
  for (const [file, output] of Object.entries(meta.outputs)) {
    if (!file.endsWith(".js") && !file.endsWith(".mjs")) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const key = groupOf(input);
      groups.set(key, (groups.get(key) ?? 0) + bytesInOutput);
      total += bytesInOutput;
    }
  }
  return [...groups]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => ({ name, bytes, share: total ? bytes / total : 0 }));
}

/** The collector's vars for a cold start: the benchmark site, the rate limiter on as deployed. */
function collectorVars() {
  const config = { ...defaultConfig(), sites: [{ key: "pk_bench", name: "Benchmark", origins: ["http://127.0.0.1"] }], webhooks: [] };
  return { ADMIN_TOKEN, LEADLIGHT_CONFIG: JSON.stringify(config) };
}

let probes = 0;
const firstEvent = () =>
  JSON.stringify({ site: "pk_bench", visitor: `cold-${probes++}`, events: [{ id: `cold-${Date.now()}-${probes}`, type: "page_view", ts: Date.now(), url: "https://bench.example/pricing" }] });

/** POST /v1/events; true on 202. Generous timeout: a request held while the Worker starts counts. */
async function accepted(url) {
  const response = await fetch(`${url}/v1/events`, { method: "POST", headers: { "content-type": "text/plain" }, body: firstEvent(), signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  return response.status === 202;
}

/** (a) wrangler dev spawned → first 202, polling every 10 ms. */
async function coldWrangler(target, vars) {
  const worker = await startWorker({
    name: `cold-${target.name.toLowerCase()}`,
    config: target.config,
    vars,
    prepare: (persistTo) => applyD1Migrations(target.config, persistTo),
    ready: accepted,
    readyEveryMs: 10,
  });
  await worker.stop();
  return { firstAcceptedMs: worker.readyMs };
}

/** The miniflare wrangler runs on, and the bindings wrangler would give the Worker. */
async function runtime(target) {
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const miniflare = createRequire(requireRoot.resolve("wrangler/package.json")).resolve("miniflare");
  const { Miniflare } = await import(pathToFileURL(miniflare).href);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(target.config);
  const { modulesRules, ...options } = workerOptions;
  return { Miniflare, options };
}

/** (b) a fresh workerd on the dry-run bundle → listening → first 202 (then a second, warm). */
async function coldWorkerd(target, { Miniflare, options }, bundle, vars) {
  const persist = mkdtempSync(join(tmpdir(), "leadlight-bench-cold-"));
  await applyD1Migrations(target.config, persist);
  const started = now();
  const mf = new Miniflare({
    ...options,
    bindings: { ...options.bindings, ...vars },
    modules: true,
    scriptPath: join(bundle.outdir, "index.js"),
    modulesRoot: bundle.outdir,
    host: "127.0.0.1",
    port: 0,
    cf: false,
    // Where wrangler dev keeps the same storage under --persist-to (and migrations put the index).
    defaultPersistRoot: join(persist, "v3"),
  });
  try {
    const url = (await mf.ready).origin;
    const listening = now();
    if (!(await accepted(url))) throw new Error("the first POST /v1/events was not answered 202");
    const first = now();
    await accepted(url);
    const second = now();
    return { listeningMs: listening - started, firstRequestMs: first - listening, firstAcceptedMs: first - started, warmRequestMs: second - first };
  } finally {
    await mf.dispose();
    rmSync(persist, { recursive: true, force: true });
  }
}

export async function measureBundle({ reps = 3, log = () => {} } = {}) {
  const builds = {};
  const sizes = {};
  for (const target of [COLLECTOR, FLOOR]) {
    for (const minify of [true, false]) {
      const key = `${target.name}${minify ? "" : " (unminified)"}`;
      const build = dryRun(target, { minify });
      sizes[key] = { raw: build.raw, gzip: build.gzip, modules: build.modules, wranglerReports: build.wranglerReports };
      builds[key] = build;
      log(`  ${key}: ${(build.raw / KIB).toFixed(1)} KiB, gzip ${(build.gzip / KIB).toFixed(1)} KiB`);
    }
  }
  const collectorBuild = builds.Leadlight;
  const byPackage = contributors(collectorBuild.meta, packageOf);
  const byFolder = contributors(collectorBuild.meta, folderOf);

  const cold = { wrangler: { Leadlight: [], floor: [] }, workerd: { Leadlight: [], floor: [] } };
  try {
    const runtimes = { Leadlight: await runtime(COLLECTOR), floor: await runtime(FLOOR) };
    const vars = { Leadlight: collectorVars(), floor: {} };
    // One start unmeasured: miniflare's own first use in this process (loading, JIT) is not workerd's.
    await coldWorkerd(COLLECTOR, runtimes.Leadlight, builds.Leadlight, vars.Leadlight);
    for (let rep = 0; rep < reps; rep++) {
      for (const target of [COLLECTOR, FLOOR]) {
        const b = await coldWorkerd(target, runtimes[target.name], builds[target.name], vars[target.name]);
        cold.workerd[target.name].push(b);
        const a = await coldWrangler(target, vars[target.name]);
        cold.wrangler[target.name].push(a);
        log(
          `  rep ${rep + 1} ${target.name.padEnd(9)} wrangler dev → 202 ${a.firstAcceptedMs.toFixed(0)} ms;` +
            ` workerd → listening ${b.listeningMs.toFixed(0)} ms, → 202 ${b.firstAcceptedMs.toFixed(0)} ms (next request ${b.warmRequestMs.toFixed(1)} ms)`,
        );
      }
    }
  } finally {
    for (const build of Object.values(builds)) build.cleanup();
  }

  const summary = (list, key) => ({ median: median(list.map((r) => r[key])), min: Math.min(...list.map((r) => r[key])), max: Math.max(...list.map((r) => r[key])) });
  const coldSummary = Object.fromEntries(
    ["Leadlight", "floor"].map((name) => [
      name,
      {
        wranglerMs: summary(cold.wrangler[name], "firstAcceptedMs"),
        workerdListeningMs: summary(cold.workerd[name], "listeningMs"),
        workerdFirstRequestMs: summary(cold.workerd[name], "firstRequestMs"),
        workerdMs: summary(cold.workerd[name], "firstAcceptedMs"),
        warmRequestMs: summary(cold.workerd[name], "warmRequestMs"),
      },
    ]),
  );

  const kib = (bytes) => bytes / KIB;
  const gzipKiB = kib(sizes.Leadlight.gzip);
  const range = (s) => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  const figures = [
    {
      id: "bundle.gzip",
      label: "Worker bundle, minified (gzip)",
      value: gzipKiB,
      unit: "KiB",
      display: `${gzipKiB.toFixed(1)} KiB (raw ${kib(sizes.Leadlight.raw).toFixed(1)} KiB)`,
      target: `≤ ${TARGET_GZIP_KIB} KiB`,
      met: gzipKiB <= TARGET_GZIP_KIB,
    },
    {
      id: "bundle.gzip.unminified",
      label: "Worker bundle unminified, for reference (gzip)",
      value: kib(sizes["Leadlight (unminified)"].gzip),
      unit: "KiB",
      display: `${kib(sizes["Leadlight (unminified)"].gzip).toFixed(1)} KiB (raw ${kib(sizes["Leadlight (unminified)"].raw).toFixed(1)} KiB)`,
      target: "(reference)",
      met: null,
    },
    {
      id: "cold.workerd",
      label: "Cold start, fresh workerd → first 202",
      value: coldSummary.Leadlight.workerdMs.median,
      unit: "ms",
      display: `${range(coldSummary.Leadlight.workerdMs)}; floor ${range(coldSummary.floor.workerdMs)}`,
      target: "(reference)",
      met: null,
    },
    {
      id: "cold.wrangler",
      label: "Cold start, wrangler dev spawned → first 202",
      value: coldSummary.Leadlight.wranglerMs.median,
      unit: "ms",
      display: `${range(coldSummary.Leadlight.wranglerMs)}; floor ${range(coldSummary.floor.wranglerMs)}`,
      target: "(reference)",
      met: null,
    },
  ];
  return { sizes, byPackage, byFolder, cold, coldSummary, figures };
}
