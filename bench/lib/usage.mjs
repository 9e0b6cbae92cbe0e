/**
 * Usage a Worker under `wrangler dev` leaves where the benchmark can count it from outside, for
 * the cost table: the D1 queries in wrangler's debug log, the Durable Objects' SQLite files on
 * disk (their bytes, and the rows and index entries they hold), and the queues its config binds.
 *
 * The Worker keeps writing while these read: a file listed a moment ago may be gone when it is
 * opened (SQLite removes its `-wal` and journal files; wrangler rotates nothing but may not have
 * created its log yet). Every read here takes a vanished file as empty, never as a crash.
 */
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

/** `read()`, or `absent` when the file or folder it reads no longer exists (ENOENT). */
function unlessGone(read, absent) {
  try {
    return read();
  } catch (error) {
    if (error?.code === "ENOENT") return absent;
    throw error;
  }
}

/** Bytes written so far to a file (0 before it exists): a position to count from. */
export const fileSize = (path) => unlessGone(() => statSync(path).size, 0);

function readSlice(path, from, to) {
  const length = Math.max(0, to - from);
  const buffer = Buffer.alloc(length);
  const fd = unlessGone(() => openSync(path, "r"), null);
  if (fd === null) return "";
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
  if (to <= from) return counts;
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
  for (const path of sqliteFiles(root, (name) => name.endsWith(".sqlite") || name.endsWith(".sqlite-wal"))) {
    const size = fileSize(path);
    bytes += size;
    if (path.endsWith(".sqlite") && size > 0) databases++;
  }
  return { bytes, databases };
}

/** Paths of the files under `root` whose name `keep` accepts; folders that vanish mid-walk are skipped. */
function sqliteFiles(root, keep) {
  const found = [];
  const walk = (dir) => {
    for (const entry of unlessGone(() => readdirSync(dir, { withFileTypes: true }), [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (keep(entry.name)) found.push(path);
    }
  };
  walk(root);
  return found;
}

// Per database, an expression: its number of schema entries (0 when it could not be opened: the shell then runs
// on an empty database) and its b-tree entries. A rowid table keeps its rows in the leaf pages of
// its b-tree; an index (and a WITHOUT ROWID table) keeps one entry per cell on every page. SQLite's
// own tables (sqlite_sequence, sqlite_stat*) are not counted; the runtime's (_cf_*) are: an object
// writes them (its key-value storage and alarms) as it writes its own.
const ENTRIES = `(SELECT count(*) FROM sqlite_schema) || '|' || coalesce((
  SELECT sum(d.ncell) FROM dbstat AS d JOIN sqlite_schema AS s ON s.name = d.name
  WHERE s.tbl_name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
    AND (d.pagetype = 'leaf' OR (d.pagetype = 'internal' AND (s.type = 'index' OR s.sql LIKE '%WITHOUT ROWID%')))), 0)`;

const quoted = (path) => `'${path.replaceAll("'", "''")}'`;

/** True when the `sqlite3` command-line shell can be run. */
export const hasSqliteShell = () => !spawnSync("sqlite3", ["-version"], { stdio: "ignore" }).error;

/**
 * Table rows and index entries held by every Durable Object SQLite database under a --persist-to
 * directory (miniflare's own `metadata.sqlite` aside), read with the `sqlite3` command-line shell,
 * read-only, in one process (Node 20 has no SQLite module of its own). null when the shell is not
 * installed.
 *
 * Why entries: Cloudflare bills a SQLite-backed object's rows written per row a statement writes,
 * and a write to an indexed column as one more row per index. Every entry on disk was one such
 * row when it was inserted, so the growth of this count over a run is a lower bound of the rows
 * the run wrote; updates and deletes write rows as well and leave no growth behind (see cost.mjs).
 * `unreadable` counts databases listed but not read (gone, or locked for longer than a moment).
 */
export function durableObjectEntries(persistTo) {
  if (!hasSqliteShell()) return null;
  const files = sqliteFiles(join(persistTo, "v3", "do"), (name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  if (files.length === 0) return { entries: 0, databases: 0, unreadable: 0 };
  // One numbered line per database, so a file that vanished (no line, or a line of an empty
  // database) is told apart from an empty one.
  const script = [".timeout 250", ".mode list", ...files.flatMap((file, k) => [`.open --readonly ${quoted(file)}`, `SELECT ${k} || '|' || ${ENTRIES};`])];
  const run = spawnSync("sqlite3", ["-batch"], { input: script.join("\n"), encoding: "utf8", maxBuffer: 64 * 2 ** 20, timeout: 120_000 });
  let entries = 0;
  let databases = 0;
  for (const line of (run.stdout ?? "").split("\n")) {
    const [k, tables, count] = line.split("|").map(Number);
    if (!Number.isInteger(k) || !(tables > 0) || !Number.isFinite(count)) continue;
    entries += count;
    databases++;
  }
  return { entries, databases, unreadable: files.length - databases };
}

/** Names of the queues a wrangler config lets the Worker send to, read the way wrangler reads it. */
export async function queueProducers(configPath) {
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  return Object.keys(unstable_getMiniflareWorkerOptions(configPath).workerOptions.queueProducers ?? {});
}
