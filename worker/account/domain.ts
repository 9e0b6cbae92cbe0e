/**
 * Which account a lead belongs to. B2B buyers decide in groups: the known leads of one business
 * email domain, per site, are one account. A free-mail domain (gmail.com, ...) never is: its
 * leads have nothing in common but their mailbox provider.
 */
import { emailDomain, isFreeEmailDomain } from "../scoring/free-email";

// Labels of letters, digits and inner hyphens (punycode included), at least two, 253 characters
// at most, the last one not all digits (that would be an IP address).
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Whether `text` is a domain name as an account is named: lower-case, no trailing dot.
 *
 * @example
 * isDomain("acme.io");      // true
 * isDomain("ACME.io");      // false: accounts are named in lower case
 * isDomain("localhost");    // false
 * isDomain("10.0.0.1");     // false
 */
export function isDomain(text: string): boolean {
  if (text.length > 253) return false;
  const labels = text.split(".");
  const last = labels[labels.length - 1] ?? "";
  return labels.length >= 2 && labels.every((label) => LABEL.test(label)) && !/^\d+$/.test(last);
}

/**
 * The account domain of a lead's email: its domain when it is a business one, else null (no
 * email, a free-mail domain, or no valid domain).
 *
 * @example
 * accountDomain("Ada@Acme.io");      // "acme.io"
 * accountDomain("ada@gmail.com");    // null
 * accountDomain(null);               // null
 */
export function accountDomain(email: string | null): string | null {
  const domain = email === null ? null : emailDomain(email);
  if (domain === null || !isDomain(domain) || isFreeEmailDomain(domain)) return null;
  return domain;
}
