/**
 * Is an address at a free-mail provider (gmail.com, yahoo.co.uk, ...)? A business address is a
 * fit signal; a free one says little about the company behind the lead.
 */
import providers from "email-providers/all.json";

// RFC 2606 reserves these for documentation; the upstream list counts example.com as a
// provider, which would turn every demo and test address into a "free" one.
const RESERVED = new Set(["example.com", "example.net", "example.org"]);

const FREE_MAIL: ReadonlySet<string> = new Set(providers.filter((domain) => !RESERVED.has(domain)));

/** The lower-cased domain part of an address, or null when it has none. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf("@");
  const domain = email.slice(at + 1).trim().toLowerCase();
  return at < 0 || domain === "" ? null : domain;
}

/**
 * True for a free-mail domain. Exact match only: a subdomain of a provider is somebody's own
 * domain, not the provider's mailbox.
 *
 * @example
 * isFreeEmailDomain("GMail.com");   // true
 * isFreeEmailDomain("acme.com");    // false
 */
export function isFreeEmailDomain(domain: string): boolean {
  return FREE_MAIL.has(domain.trim().toLowerCase());
}

/**
 * Whether an address is at a free-mail provider; null when the address has no domain to judge.
 *
 * @example
 * isFreeEmail("ada@gmail.com");     // true
 * isFreeEmail("ada@acme.com");      // false
 * isFreeEmail("ada");               // null
 */
export function isFreeEmail(email: string): boolean | null {
  const domain = emailDomain(email);
  return domain === null ? null : FREE_MAIL.has(domain);
}
