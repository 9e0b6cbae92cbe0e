import { describe, expect, it } from "vitest";
import { freeMailModule, packageDomains } from "../../scripts/build-free-mail.mjs";

/** The domains the generated module exports, evaluated as the bundle evaluates it. */
async function decoded(domains: string[]): Promise<string[]> {
  const source = freeMailModule(domains);
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

  it("keeps domains with several labels and a one-letter TLD group apart", async () => {
    const domains = ["yahoo.co.uk", "gmail.com", "web.de", "mail.com.br", "a.b.c"];
    expect((await decoded(domains)).sort()).toEqual([...domains].sort());
  });

  it("refuses an entry that is not a domain rather than shipping a wrong list", () => {
    expect(() => freeMailModule(["gmail.com", "localhost"])).toThrow(/not a domain: "localhost"/);
    expect(() => freeMailModule(["gmail .com"])).toThrow(/not a domain/);
  });
});
