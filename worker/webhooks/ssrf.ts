/**
 * Refuses webhook URLs that point into a private network (SSRF): a config author must not be
 * able to make the collector call its own loopback, the cloud metadata address or a LAN host.
 *
 * Workers cannot resolve DNS themselves, so only what the URL itself says is checked: literal
 * IPv4/IPv6 hosts (in every spelling the URL parser accepts: decimal `2130706433`, hex `0x7f.1`,
 * octal `0177.0.0.1`, IPv4-mapped `::ffff:127.0.0.1`, NAT64, 6to4) and names that are private by
 * definition (`localhost`, `*.localhost`, `*.local`, `*.internal`, `*.home.arpa`, single labels).
 * A public name that *resolves* to a private address is stopped by Cloudflare's egress, which
 * refuses to connect Workers to private and loopback ranges; this check covers what egress
 * cannot know about (local development in workerd has no such egress filter).
 */

export interface UrlPolicy {
  /**
   * Allow loopback hosts (127.0.0.0/8, ::1, `localhost`). True only in local development
   * (`LEADLIGHT_DEV="true"`), where the demo inbox and the tests receive on 127.0.0.1.
   * Private ranges stay refused even then.
   */
  allowLoopback: boolean;
}

type Verdict = "public" | "loopback" | string;

/** [first address, prefix length, what it is], for ranges that are never a public receiver. */
const IPV4_REFUSED: readonly [string, number, string][] = [
  ["0.0.0.0", 8, "'this network' (0.0.0.0/8)"],
  ["10.0.0.0", 8, "a private address (10.0.0.0/8)"],
  ["100.64.0.0", 10, "a shared carrier-grade NAT address (100.64.0.0/10)"],
  ["169.254.0.0", 16, "a link-local address (169.254.0.0/16, cloud metadata)"],
  ["172.16.0.0", 12, "a private address (172.16.0.0/12)"],
  ["192.0.0.0", 24, "an IETF protocol address (192.0.0.0/24)"],
  ["192.0.2.0", 24, "a documentation address (192.0.2.0/24)"],
  ["192.168.0.0", 16, "a private address (192.168.0.0/16)"],
  ["198.18.0.0", 15, "a benchmarking address (198.18.0.0/15)"],
  ["198.51.100.0", 24, "a documentation address (198.51.100.0/24)"],
  ["203.0.113.0", 24, "a documentation address (203.0.113.0/24)"],
  ["224.0.0.0", 4, "a multicast address (224.0.0.0/4)"],
  ["240.0.0.0", 4, "a reserved or broadcast address (240.0.0.0/4)"],
];

const PRIVATE_SUFFIXES = [".local", ".internal", ".home.arpa", ".localdomain", ".lan", ".intranet", ".corp"];

/**
 * Why a delivery to `url` is refused, or null when it may go. The refusal is permanent for that
 * URL, so the caller records it as a failed attempt and does not retry.
 *
 * @example
 * checkWebhookUrl("https://hooks.slack.com/services/T0/B0/x", { allowLoopback: false }) // null
 * checkWebhookUrl("http://169.254.169.254/latest/meta-data", { allowLoopback: false })
 * // "refused: 169.254.169.254 is a link-local address (169.254.0.0/16, cloud metadata)"
 */
export function checkWebhookUrl(url: string, policy: UrlPolicy): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `refused: ${url} is not a URL`;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return `refused: ${parsed.protocol} is not http(s)`;
  if (parsed.username || parsed.password) return "refused: credentials in a webhook URL are not supported";
  const verdict = classifyHost(parsed.hostname);
  if (verdict === "public") return null;
  if (verdict === "loopback") {
    return policy.allowLoopback
      ? null
      : `refused: ${parsed.hostname} is a loopback address (allowed only in local development, LEADLIGHT_DEV="true")`;
  }
  return `refused: ${parsed.hostname} is ${verdict}`;
}

/** "public", "loopback", or a phrase saying what else the host is. */
export function classifyHost(hostname: string): Verdict {
  const host = hostname.toLowerCase().replace(/\.+$/, "");
  if (host.startsWith("[") || host.includes(":")) {
    const hextets = parseIPv6(host.replace(/^\[|\]$/g, ""));
    return hextets ? classifyIPv6(hextets) : "not a valid IPv6 address";
  }
  const v4 = parseIPv4(host);
  if (v4 === undefined) return "not a valid IPv4 address";
  if (v4 !== null) return classifyIPv4(v4);
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  const suffix = PRIVATE_SUFFIXES.find((s) => host.endsWith(s));
  if (suffix) return `a private name (*${suffix})`;
  if (!host.includes(".")) return "not a public host name (a single label resolves only on a local network)";
  return "public";
}

function classifyIPv4(address: number): Verdict {
  if (address >>> 24 === 127) return "loopback";
  for (const [base, bits, what] of IPV4_REFUSED) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if (((address & mask) >>> 0) === ((parseIPv4(base) as number) & mask) >>> 0) return what;
  }
  return "public";
}

/** An IPv4 address embedded in an IPv6 one is judged as that IPv4 address. */
function embedded(hi: number, lo: number, how: string): Verdict {
  const verdict = classifyIPv4(((hi << 16) | lo) >>> 0);
  return verdict === "public" || verdict === "loopback" ? verdict : `${how} of ${verdict}`;
}

function classifyIPv6(h: readonly number[]): Verdict {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, last = 0] = h;
  const zeroTo = (n: number) => h.slice(0, n).every((x) => x === 0);
  if (zeroTo(7) && last === 1) return "loopback";
  if (zeroTo(8)) return "the unspecified address (::)";
  if (zeroTo(5) && f === 0xffff) return embedded(g, last, "an IPv4-mapped form");
  if (zeroTo(6)) return embedded(g, last, "an IPv4-compatible form");
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return embedded(g, last, "a NAT64 form");
  if (a === 0x64 && b === 0xff9b && c === 1) return "a local NAT64 address (64:ff9b:1::/48)";
  if (a === 0x2002) return embedded(b, c, "a 6to4 form");
  if (a === 0x100 && b === 0 && c === 0 && d === 0) return "a discard address (100::/64)";
  if (a === 0x2001 && b === 0) return "a Teredo tunnel address (2001::/32)";
  if (a === 0x2001 && b === 0xdb8) return "a documentation address (2001:db8::/32)";
  if ((a & 0xfe00) === 0xfc00) return "a unique local address (fc00::/7)";
  if ((a & 0xffc0) === 0xfe80) return "a link-local address (fe80::/10)";
  if ((a & 0xffc0) === 0xfec0) return "a site-local address (fec0::/10)";
  if ((a & 0xff00) === 0xff00) return "a multicast address (ff00::/8)";
  return "public";
}

/**
 * IPv4 the way the WHATWG URL parser (and `inet_aton`) reads it: one to four parts, each
 * decimal, `0x` hex or `0`-led octal, the last part filling the remaining bytes. Returns the
 * address as an unsigned number, null when the host is not numeric (a name), or undefined when
 * it looks numeric but is out of range (the URL parser would have refused it).
 */
export function parseIPv4(host: string): number | null | undefined {
  const parts = host.split(".");
  if (parts.length > 4 || parts.some((p) => p === "")) return null;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return null;
    values.push(value);
  }
  const last = values.pop() as number;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return undefined;
  return values.reduce((sum, v, i) => sum + v * 256 ** (3 - i), 0) + last;
}

/** Eight 16-bit groups, or null when not an IPv6 address. Accepts `::` and a dotted IPv4 tail. */
export function parseIPv6(text: string): number[] | null {
  let input = text;
  if (input.includes("%")) return null; // zone ids name a local interface: never a public receiver
  const tail: number[] = [];
  const dotted = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(input);
  if (dotted) {
    const octets = (dotted[1] as string).split(".").map(Number);
    if (octets.some((o) => o > 255)) return null;
    const [o1 = 0, o2 = 0, o3 = 0, o4 = 0] = octets;
    tail.push((o1 << 8) | o2, (o3 << 8) | o4);
    input = `${input.slice(0, input.length - (dotted[1] as string).length)}`;
    if (input.endsWith(":") && !input.endsWith("::")) input = input.slice(0, -1);
  }
  const halves = input.split("::");
  if (halves.length > 2) return null;
  const group = (s: string) => (s === "" ? [] : s.split(":"));
  const head = group(halves[0] as string);
  const rest = halves.length === 2 ? group(halves[1] as string) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros: number[] = Array.from({ length: 8 - known }, () => 0);
  return [...head.map((g) => parseInt(g, 16)), ...zeros, ...rest.map((g) => parseInt(g, 16)), ...tail];
}
