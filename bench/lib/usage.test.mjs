// What the benchmark reads from disk while a Worker writes: files that vanish are read as empty,
// and the SQLite entry count is the rows plus index entries a database holds.
// Run: node --test bench/lib/
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { durableObjectBytes, durableObjectEntries, fileSize, hasSqliteShell, readDevLog } from "./usage.mjs";

const root = mkdtempSync(join(tmpdir(), "leadlight-bench-usage-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("a file that does not exist (or no longer does) reads as empty, never as a crash", () => {
  const gone = join(root, "gone");
  assert.equal(fileSize(join(gone, "wrangler.log")), 0);
  assert.equal(readDevLog(join(gone, "wrangler.log"), 0, 100).queries, 0);
  assert.deepEqual(durableObjectBytes(gone), { bytes: 0, databases: 0 });
});

test("bytes: every object database and its write-ahead log, miniflare's metadata included as on disk", () => {
  const dir = join(root, "bytes", "v3", "do", "app-Lead");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "a.sqlite"), Buffer.alloc(4096));
  writeFileSync(join(dir, "a.sqlite-wal"), Buffer.alloc(100));
  writeFileSync(join(dir, "a.sqlite-shm"), Buffer.alloc(32768));
  assert.deepEqual(durableObjectBytes(join(root, "bytes")), { bytes: 4196, databases: 1 });
});

test("entries: each table row and each index entry, over every object's database", { skip: !hasSqliteShell() && "no sqlite3 shell" }, () => {
  const dir = join(root, "entries", "v3", "do", "app-Lead");
  mkdirSync(dir, { recursive: true });
  const sql = (file, script) => assert.equal(spawnSync("sqlite3", [join(dir, file), script]).status, 0);
  // 2,000 rows (enough for interior pages), a full index (2,000 entries), a partial one (1,000).
  sql(
    "a.sqlite",
    `CREATE TABLE events (id INTEGER PRIMARY KEY, type TEXT);
     CREATE INDEX events_type ON events (type);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
     INSERT INTO events (type) SELECT printf('page_view-%040d', i) FROM n;
     CREATE INDEX events_even ON events (type) WHERE id % 2 = 0;`,
  );
  // A WITHOUT ROWID table keeps its rows in one b-tree: 2 entries.
  sql("b.sqlite", "CREATE TABLE kv (key TEXT PRIMARY KEY, value) WITHOUT ROWID; INSERT INTO kv VALUES ('a', 1), ('b', 2);");
  // Miniflare's bookkeeping is not an object's and is not counted.
  sql("metadata.sqlite", "CREATE TABLE m (a); INSERT INTO m VALUES (1);");
  assert.deepEqual(durableObjectEntries(join(root, "entries")), { entries: 5002, databases: 2, unreadable: 0 });
});
