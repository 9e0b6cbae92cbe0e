/**
 * A frozen copy of the checkout for a benchmark to run from. `wrangler dev` rebuilds and reloads
 * the Worker whenever a file it bundled changes, and a reload mid-run turns requests into 503s
 * (and its numbers into a reload's); a run from a copy is not disturbed by editing the checkout.
 *
 * The copy holds every file git tracks, as it is in the working tree when the copy is made
 * (uncommitted edits included: what is benchmarked is what you see), new files git would track
 * (not ignored: a new module a changed file imports), and symlinks to the checkout's installed
 * `node_modules` and `bench/node_modules`. Ignored files (`.dev.vars`, `dist/`, earlier results)
 * are not copied; the run builds its own `dist/`.
 *
 * @example
 * const copy = frozenCopy(ROOT);   // { dir, commit, modified }
 * // … run from copy.dir …
 * copy.remove();
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Installed folders the copy links to rather than copies (they are large and never edited by hand). */
const LINKED = ["node_modules", "bench/node_modules"];

export function frozenCopy(root) {
  const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const dir = mkdtempSync(join(tmpdir(), "leadlight-bench-src-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    let copied = 0;
    for (const path of git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0").filter(Boolean)) {
      const from = join(root, path);
      // Deleted in the working tree but not yet in git: the run sees it deleted, as the checkout does.
      if (!existsSync(from) || statSync(from).isDirectory()) continue;
      const to = join(dir, path);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
      chmodSync(to, statSync(from).mode);
      copied++;
    }
    for (const path of LINKED) {
      if (existsSync(join(root, path))) symlinkSync(join(root, path), join(dir, path), "dir");
    }
    const commit = git("rev-parse", "HEAD").trim();
    // Files that differ from HEAD (changed, or new): the copy is HEAD plus these.
    const count = (...args) => git(...args).split("\0").filter(Boolean).length;
    const modified = count("diff", "--name-only", "-z", "HEAD") + count("ls-files", "-z", "--others", "--exclude-standard");
    return { dir, commit, modified, files: copied, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
