import { describe, expect, it } from "vitest";
import { accountDomain, isDomain } from "./domain";

describe("account domains", () => {
  it("a business address belongs to the account of its domain, in lower case", () => {
    expect(accountDomain("Ada@Acme.io")).toBe("acme.io");
    expect(accountDomain("grace@eu.analytical-engines.co.uk")).toBe("eu.analytical-engines.co.uk");
  });

  it("a free-mail address, no address or an address without a valid domain makes no account", () => {
    for (const email of ["ada@gmail.com", "ada@yahoo.co.uk", "ada@outlook.com", "ada", "ada@", "ada@localhost", "ada@10.0.0.1"]) {
      expect(accountDomain(email), email).toBeNull();
    }
    expect(accountDomain(null)).toBeNull();
  });

  it("a domain in a path is two or more labels of letters, digits and inner hyphens", () => {
    for (const ok of ["acme.io", "xn--bcher-kva.example", "a-b.c0.com"]) expect(isDomain(ok), ok).toBe(true);
    for (const bad of ["", "acme", "-acme.io", "acme-.io", "acme..io", "acme.io.", "ACME.io", "ac me.io", "a".repeat(64) + ".io", "1.2.3.4", "acme.io/x"]) {
      expect(isDomain(bad), bad).toBe(false);
    }
  });
});
