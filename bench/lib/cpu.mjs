/**
 * CPU time of a process group, read from /proc (Linux): what a Worker under `wrangler dev`
 * (wrangler's node, the proxy workerd, the Worker's workerd) spent, to charge each request its
 * share and to wait until a target has finished its background work before measuring the next.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** /proc counts CPU time in clock ticks (USER_HZ, 100 on every usual Linux). */
const MS_PER_TICK = (() => {
  try {
    return 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  } catch {
    return 10;
  }
})();

/** The role of a process in a `wrangler dev` group, from its command line. */
function role(pid, comm) {
  if (comm !== "workerd") return comm === "node" ? "wrangler" : comm;
  const args = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  // The Worker's own runtime listens on an ephemeral port and carries the inspector; the other
  // workerd is wrangler's proxy in front of it, on the port the benchmark talks to.
  return args.includes("--inspector-addr") ? "worker" : "proxy";
}

/** CPU milliseconds used so far by every live process of the group, by role. */
export function groupCpu(pgid) {
  const byRole = {};
  if (!pgid) return byRole;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const name = role(pid, comm);
      byRole[name] = (byRole[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return byRole;
}

/** What each role used between two `groupCpu` readings. */
export const cpuSince = (before, after) =>
  Object.fromEntries(Object.keys(after).map((key) => [key, Math.max(0, after[key] - (before[key] ?? 0))]));

const total = (reading) => Object.values(reading).reduce((sum, ms) => sum + ms, 0);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the groups are idle (under `idleShare` of one core over a window), at most
 * `maxMs`: a collector keeps working after a load phase (alarms, index copies), and that work
 * must not land in the next measurement. Returns how long it waited.
 */
export async function quiesce(pgids, { windowMs = 500, idleShare = 0.05, maxMs = 20_000 } = {}) {
  const started = Date.now();
  for (;;) {
    const before = pgids.map(groupCpu);
    await sleep(windowMs);
    const used = pgids.map((pgid, i) => total(cpuSince(before[i], groupCpu(pgid))));
    if (used.every((ms) => ms <= windowMs * idleShare) || Date.now() - started >= maxMs) return Date.now() - started;
  }
}
