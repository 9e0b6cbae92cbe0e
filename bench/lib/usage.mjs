/**
 * Usage a Worker under `wrangler dev` leaves where the benchmark can count it from outside, for
 * the cost table: the D1 queries in wrangler's debug log, the Durable Objects' SQLite files on
 * disk, and the queues its config binds.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

/** Bytes written so far to a file (0 before it exists): a position to count from. */
export const fileSize = (path) => (existsSync(path) ? statSync(path).size : 0);

function readSlice(path, from, to) {
  const length = Math.max(0, to - from);
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

// wrangler's inspector proxy logs each subrequest's answer as `cfResponse: { body: '<base64>' }`;
// a string past util.inspect's limit ends in "... N more characters" and cannot be decoded.
const RESPONSE = /cfResponse: \{\s*body: '([A-Za-z0-9+/=]*)'(\.\.\. \d+ more characters)?/g;
// What wrangler dev logs when it rebuilds the Worker because a source file changed.
const RELOAD = /Reloading local server|Detected changes, restarted server/g;

/**
 * What wrangler's debug log says happened between two positions: the D1 rows read and written
 * by the queries whose answers it logged (local D1 reports each statement's rows in its answer's
 * `meta`, as D1 does), and how often wrangler reloaded the Worker (a source file changed under
 * it: the numbers of that span are not the code's). `unreadable` counts answers cut short in the
 * log (their rows are missing from the sums).
 */
export function readDevLog(path, from, to = fileSize(path)) {
  const counts = { queries: 0, statements: 0, rowsRead: 0, rowsWritten: 0, unreadable: 0, reloads: 0 };
  if (!existsSync(path) || to <= from) return counts;
  const text = readSlice(path, from, to);
  counts.reloads = text.match(RELOAD)?.length ?? 0;
  for (const [, body, cut] of text.matchAll(RESPONSE)) {
    if (cut) {
      counts.unreadable++;
      continue;
    }
    let answer;
    try {
      answer = JSON.parse(Buffer.from(body, "base64").toString("utf8"));
    } catch {
      continue; // not JSON: not a D1 answer
    }
    const statements = [answer].flat().filter((s) => typeof s?.meta?.rows_read === "number");
    if (statements.length === 0) continue;
    counts.queries++;
    counts.statements += statements.length;
    for (const s of statements) {
      counts.rowsRead += s.meta.rows_read;
      counts.rowsWritten += s.meta.rows_written ?? 0;
    }
  }
  return counts;
}

/** Bytes of every Durable Object SQLite database (and its write-ahead log) under a --persist-to directory. */
export function durableObjectBytes(persistTo) {
  const root = join(persistTo, "v3", "do");
  let bytes = 0;
  let databases = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".sqlite") || entry.name.endsWith(".sqlite-wal")) {
        bytes += statSync(path).size;
        if (entry.name.endsWith(".sqlite")) databases++;
      }
    }
  };
  if (existsSync(root)) walk(root);
  return { bytes, databases };
}

/** Names of the queues a wrangler config lets the Worker send to, read the way wrangler reads it. */
export async function queueProducers(configPath) {
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  return Object.keys(unstable_getMiniflareWorkerOptions(configPath).workerOptions.queueProducers ?? {});
}
