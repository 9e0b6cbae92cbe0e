import { describe, expect, it } from "vitest";
import { emailDomain, isFreeEmail, isFreeEmailDomain } from "./free-email";

describe("free-mail domains", () => {
  it("the big free-mail providers are free mail", () => {
    for (const domain of ["gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "yahoo.co.uk", "web.de", "proton.me"]) {
      expect(isFreeEmailDomain(domain), domain).toBe(true);
    }
  });

  it("the RFC 2606 example domains are not free mail", () => {
    expect(isFreeEmailDomain("example.com")).toBe(false);
    expect(isFreeEmailDomain("example.net")).toBe(false);
    expect(isFreeEmailDomain("example.org")).toBe(false);
  });

  it("only the exact domain counts, compared lower-cased", () => {
    expect(isFreeEmailDomain("GMAIL.COM")).toBe(true);
    expect(isFreeEmailDomain("corp.gmail.com")).toBe(false);
    expect(isFreeEmailDomain("acme.com")).toBe(false);
  });

  it("an address is judged by the part after its last @", () => {
    expect(emailDomain("Ada.Lovelace@Acme.COM")).toBe("acme.com");
    expect(isFreeEmail("ada@gmail.com")).toBe(true);
    expect(isFreeEmail("ada@acme.com")).toBe(false);
  });

  it("an address without a domain cannot be judged", () => {
    expect(isFreeEmail("ada")).toBeNull();
    expect(isFreeEmail("ada@")).toBeNull();
  });
});
