/**
 * The collector mounted under a path of your own site (LEADLIGHT_BASE_PATH): a Cloudflare route
 * such as www.example.com/ll/* hands the Worker `/ll/v1/events`, and the snippet, configured
 * with data-api="https://www.example.com/ll", posts there.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import { ORIGIN, SITE, pageView, uid } from "./helpers";

async function fetchAs(path: string, vars: Partial<Env>, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`https://www.example.com${path}`, init), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const events = (visitor: string): RequestInit => ({
  method: "POST",
  headers: { "content-type": "text/plain", origin: ORIGIN },
  body: JSON.stringify({ site: SITE, visitor, events: [pageView("/pricing")] }),
});

describe("the collector under a path (LEADLIGHT_BASE_PATH)", () => {
  it("takes events at <path>/v1/events and serves the script at <path>/s.js", async () => {
    const ingest = await fetchAs("/ll/v1/events", { LEADLIGHT_BASE_PATH: "/ll" }, events(uid("v-mount")));
    expect(ingest.status).toBe(202);
    expect(await ingest.json()).toMatchObject({ accepted: 1 });
    const script = await fetchAs("/ll/s.js", { LEADLIGHT_BASE_PATH: "/ll" });
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
  });

  it("answers the CORS preflight under the path too", async () => {
    const preflight = await fetchAs("/ll/v1/events", { LEADLIGHT_BASE_PATH: "/ll" }, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });

  it("still answers at the root, as on its workers.dev address or behind a proxy that strips the path", async () => {
    expect((await fetchAs("/v1/events", { LEADLIGHT_BASE_PATH: "/ll" }, events(uid("v-root")))).status).toBe(202);
  });

  it("the status page names its routes under the path", async () => {
    const status = await fetchAs("/ll/", { LEADLIGHT_BASE_PATH: "/ll/", LEADLIGHT_DEV: "false" });
    expect(await status.json()).toMatchObject({ script: "/ll/s.js", ingest: "/ll/v1/events", dashboard: "/ll/dashboard" });
  });

  it("without the setting, the prefixed path is not a route", async () => {
    expect((await fetchAs("/ll/v1/events", { LEADLIGHT_BASE_PATH: "" }, events(uid("v-none")))).status).toBe(404);
  });
});
