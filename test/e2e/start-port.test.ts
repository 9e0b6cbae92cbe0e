/**
 * `npm start -- --port <port>` as a newcomer runs it, on a free port, with its storage and
 * secrets in a temporary directory (--persist-to, --vars) so it leaves the repository's own
 * .wrangler/state and .dev.vars alone: the demo's origin and the dev inbox follow the port, and a
 * demo request reaches the inbox as a verified lead.sql alert.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exited, freePort, killGroup } from "../support/collector";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let dir: string;
let port: number;
let child: ChildProcess;
let output = "";

const base = () => `http://127.0.0.1:${port}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "leadlight-start-"));
  port = await freePort();
  child = spawn("npm", ["start", "--", "--port", String(port), "--persist-to", join(dir, "state"), "--vars", join(dir, "dev.vars")], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  for (const deadline = Date.now() + 110_000; ; ) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    const ready = await fetch(`${base()}/s.js`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.body?.cancel().then(() => response.ok),
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`npm start did not answer on ${base()}:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 120_000);

afterAll(async () => {
  if (child) {
    // npm, node, wrangler and workerd share the process group started here.
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
    await exited(child);
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface InboxMessage {
  endpoint: string;
  /** The alert, parsed. */
  body: { type?: string; data?: { lead?: { email?: string } } };
  verified: boolean;
  verify_error: string | null;
}

describe("npm start -- --port", () => {
  it("made its secrets in the file --vars named, not in the repository's .dev.vars", () => {
    expect(readFileSync(join(dir, "dev.vars"), "utf8")).toMatch(/^ADMIN_TOKEN=.+$/m);
    expect(output).toContain(`demo ${base()}/demo/`);
  });

  it("the demo site on that port identifies a visitor and a demo request alerts sales in the dev inbox, signed", async () => {
    const email = `ada-${port}@acme.io`;
    const ingest = await fetch(`${base()}/v1/events`, {
      method: "POST",
      // The demo page's own origin on this port: the config's origins followed the port.
      headers: { "content-type": "text/plain", origin: base(), "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36" },
      body: JSON.stringify({
        site: "pk_demo",
        visitor: `v-start-${port}`,
        events: [
          { id: "s1", type: "page_view", ts: Date.now() - 2_000, url: `${base()}/demo/pricing` },
          { id: "s2", type: "identify", ts: Date.now() - 1_000, props: { email, traits: { title: "VP Sales", company_size: 200 } } },
          { id: "s3", type: "track", ts: Date.now(), name: "demo_request", props: {} },
        ],
      }),
    });
    expect(ingest.status, await ingest.clone().text()).toBe(202);

    let alert: InboxMessage | undefined;
    for (let round = 0; round < 120 && !alert; round++) {
      const { messages } = (await (await fetch(`${base()}/dev/inbox?limit=20`)).json()) as { messages: InboxMessage[] };
      alert = messages.find((m) => m.body.data?.lead?.email === email && m.body.type === "lead.sql");
      if (!alert) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(alert, output).toBeDefined();
    expect(alert).toMatchObject({ endpoint: "sales", verified: true, verify_error: null });
  });
});
