import { SELF, env } from "cloudflare:test";
import { app } from "../../worker/app";
import { describe, expect, it } from "vitest";

describe("dashboard", () => {
  it("serves the page, with the admin token filled in during local development", async () => {
    const response = await SELF.fetch("http://127.0.0.1:8787/dashboard");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain("Leads by score");
    expect(html).toContain('"token":"test-admin-token"');
    expect(html).toContain('"key":"pk_demo"');
  });

  it("gives no token to a page reached under another host name (DNS rebinding)", async () => {
    const html = await (await SELF.fetch("http://attacker.example:8787/dashboard")).text();
    expect(html).toContain('"token":null');
  });

  it("never puts the token in the page outside local development", async () => {
    const response = await app.request("/dashboard", {}, { ...env, LEADLIGHT_DEV: undefined });
    const html = await response.text();
    expect(html).toContain('"token":null');
    expect(html).not.toContain("test-admin-token");
  });
});
