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

  it("runs only its own served script and stylesheet: the CSP allows no inline script or style", async () => {
    const response = await SELF.fetch("http://127.0.0.1:8787/dashboard");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await response.text();
    // Relative, so the page works under a path prefix (LEADLIGHT_BASE_PATH or a stripping proxy).
    expect(html).toContain('<script src="dashboard/app.js" defer></script>');
    const script = await SELF.fetch("http://127.0.0.1:8787/dashboard/app.js");
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1000);
    const etag = script.headers.get("etag") ?? "";
    expect((await SELF.fetch("http://127.0.0.1:8787/dashboard/app.js", { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await SELF.fetch("http://127.0.0.1:8787/dashboard/app.css")).headers.get("content-type")).toMatch(/^text\/css/);
  });

  it("never puts the token in the page outside local development", async () => {
    const response = await app.request("/dashboard", {}, { ...env, LEADLIGHT_DEV: undefined });
    const html = await response.text();
    expect(html).toContain('"token":null');
    expect(html).not.toContain("test-admin-token");
  });
});
