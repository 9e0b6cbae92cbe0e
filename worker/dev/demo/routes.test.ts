import { describe, expect, test } from "vitest";
import { QUEUE_STUB } from "./layout";
import { demo } from "./routes";

describe("the demo site", () => {
  test.each(["/demo/", "/demo/pricing", "/demo/resources", "/demo/careers", "/demo/request-demo"])(
    "%s is an HTML page carrying the queue stub and the snippet tag as a site owner pastes them",
    async (path) => {
      const response = await demo.request(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toContain(`<script>${QUEUE_STUB}</script>`);
      expect(html).toContain('<script async src="/s.js" data-site="pk_demo"></script>');
    },
  );

  test("the request form identifies the visitor and tracks the demo request", async () => {
    const html = await (await demo.request("/demo/request-demo")).text();
    expect(html).toContain('leadlight("identify", f.email, {');
    expect(html).toContain("name: f.name, title: f.title, company: f.company, company_size: Number(f.company_size),");
    // The B and T of BANT, which the shipped config's stages.sql.require_fit needs.
    expect(html).toContain('<select name="budget">');
    expect(html).toContain("...(f.budget && { budget: Number(f.budget) }), ...(f.timeline && { timeline: f.timeline }),");
    expect(html).toContain('leadlight("track", "demo_request"');
  });

  test("the resources page links a real PDF, and the chat widget is served", async () => {
    const html = await (await demo.request("/demo/resources")).text();
    const href = /href="(\/demo\/files\/[^"]+\.pdf)"/.exec(html)?.[1] ?? "";
    const pdf = await demo.request(href);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(new TextDecoder().decode(await pdf.arrayBuffer()).startsWith("%PDF-")).toBe(true);
    const widget = await demo.request("/demo/chat.js");
    expect(widget.headers.get("content-type")).toMatch(/^application\/javascript/);
  });

  test("/demo redirects to /demo/", async () => {
    const response = await demo.request("/demo");
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe("/demo/");
  });
});
