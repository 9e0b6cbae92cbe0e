import { transformSync } from "esbuild";
import { describe, expect, it } from "vitest";
import { freeMailModule, packageDomains } from "../../scripts/build-free-mail.mjs";

/** The domains the generated module exports, compiled and evaluated as the bundle does. */
async function decoded(domains: string[]): Promise<string[]> {
  const source = transformSync(freeMailModule(domains), { loader: "ts" }).code;
  const module = (await import(`data:text/javascript,${encodeURIComponent(source)}`)) as { default: string[] };
  return module.default;
}

describe("the free-mail list the Worker bundle ships", () => {
  it("is exactly email-providers' all.json: every domain once, none added", async () => {
    const domains: string[] = packageDomains();
    const bundled = await decoded(domains);
    expect(bundled).toHaveLength(domains.length);
    expect([...bundled].sort()).toEqual([...domains].sort());
  });

  it("restores names that share a start, several labels and names longer than a shared start can say", async () => {
    const long = "a".repeat(30);
    const domains = ["mail.com", "mailbox.com", "mailru.com", "m.com", "yahoo.co.uk", "web.de", "mail.com.br", "a.b.c", `${long}.com`, `${long}b.com`, `${long}bc.org`];
    expect((await decoded(domains)).sort()).toEqual([...domains].sort());
  });

  it("refuses an entry that is not a domain rather than shipping a wrong list", () => {
    expect(() => freeMailModule(["gmail.com", "localhost"])).toThrow(/not a domain: "localhost"/);
    expect(() => freeMailModule(["gmail .com"])).toThrow(/not a domain/);
    // A capital letter would read as a shared-start count.
    expect(() => freeMailModule(["GMail.com"])).toThrow(/not a domain/);
  });
});
