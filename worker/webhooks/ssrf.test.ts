import { describe, expect, it } from "vitest";
import { checkWebhookUrl, classifyHost, parseIPv4, parseIPv6 } from "./ssrf";

const PROD = { allowLoopback: false };
const DEV = { allowLoopback: true };

describe("webhook URLs in production", () => {
  it.each([
    "https://hooks.slack.com/services/T000/B000/XXXX",
    "https://hooks.example.com/leads",
    "http://93.184.215.14:8080/hook",
    "https://[2606:4700:4700::1111]/hook",
    "https://8.8.8.8/",
    "https://172.32.0.1/", // just outside 172.16.0.0/12
  ])("allows the public %s", (url) => {
    expect(checkWebhookUrl(url, PROD)).toBeNull();
  });

  it.each([
    ["http://127.0.0.1:8787/dev/inbox/sales", "loopback"],
    ["http://127.1/", "loopback"],
    ["http://localhost/", "loopback"],
    ["http://LOCALHOST./", "loopback"],
    ["http://inbox.localhost:8080/", "loopback"],
    ["http://[::1]/", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://[0:0:0:0:0:ffff:7f00:1]/", "loopback"],
    ["http://2130706433/", "loopback"], // decimal
    ["http://0x7f000001/", "loopback"], // hex
    ["http://0x7f.0.0.1/", "loopback"], // hex first octet
    ["http://0177.0.0.1/", "loopback"], // octal
    ["http://017700000001/", "loopback"], // octal, one part
    ["http://10.0.0.5/", "10.0.0.0/8"],
    ["http://172.16.3.4/", "172.16.0.0/12"],
    ["http://192.168.1.10/", "192.168.0.0/16"],
    ["http://169.254.169.254/latest/meta-data", "cloud metadata"],
    ["http://0xa9fea9fe/", "cloud metadata"],
    ["http://100.64.0.1/", "100.64.0.0/10"],
    ["http://0.0.0.0/", "0.0.0.0/8"],
    ["http://255.255.255.255/", "240.0.0.0/4"],
    ["http://224.0.0.1/", "multicast"],
    ["http://[::]/", "unspecified"],
    ["http://[::ffff:10.1.2.3]/", "IPv4-mapped form of a private address"],
    ["http://[::ffff:a9fe:a9fe]/", "IPv4-mapped form of a link-local"],
    ["http://[64:ff9b::c0a8:101]/", "NAT64 form of a private address"],
    ["http://[2002:c0a8:101::1]/", "6to4 form of a private address"],
    ["http://[fd00::1]/", "unique local"],
    ["http://[fe80::1]/", "link-local"],
    ["http://[ff02::1]/", "multicast"],
    ["http://printer.local/", "*.local"],
    ["http://metadata.google.internal/computeMetadata/v1", "*.internal"],
    ["http://router.home.arpa/", "*.home.arpa"],
    ["http://intranet/", "single label"],
  ])("refuses %s (%s)", (url, why) => {
    const refusal = checkWebhookUrl(url, PROD);
    expect(refusal).toMatch(/^refused: /);
    expect(refusal).toContain(why === "loopback" ? "loopback" : why);
  });

  it("refuses what is not http(s) or carries credentials", () => {
    expect(checkWebhookUrl("ftp://example.com/", PROD)).toContain("not http(s)");
    expect(checkWebhookUrl("https://user:pw@example.com/", PROD)).toContain("credentials");
    expect(checkWebhookUrl("not a url", PROD)).toContain("not a URL");
  });
});

describe("webhook URLs in local development (LEADLIGHT_DEV=true)", () => {
  it("allows loopback, where the demo inbox and the tests listen", () => {
    for (const url of ["http://127.0.0.1:8787/dev/inbox/sales", "http://localhost:9000/", "http://[::1]:9000/", "http://[::ffff:127.0.0.1]/"]) {
      expect(checkWebhookUrl(url, DEV)).toBeNull();
    }
  });

  it("still refuses private ranges and metadata", () => {
    expect(checkWebhookUrl("http://192.168.1.10/", DEV)).toContain("private");
    expect(checkWebhookUrl("http://169.254.169.254/", DEV)).toContain("link-local");
    expect(checkWebhookUrl("http://0.0.0.0:8787/", DEV)).toContain("0.0.0.0/8");
  });
});

describe("address parsing", () => {
  it("reads IPv4 the way the URL parser does", () => {
    expect(parseIPv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIPv4("127.1")).toBe(0x7f000001);
    expect(parseIPv4("0x7f.0.0.1")).toBe(0x7f000001);
    expect(parseIPv4("0177.0.0.01")).toBe(0x7f000001);
    expect(parseIPv4("2130706433")).toBe(0x7f000001);
    expect(parseIPv4("example.com")).toBeNull();
    expect(parseIPv4("256.0.0.1")).toBeUndefined();
    expect(parseIPv4("4294967296")).toBeUndefined();
  });

  it("reads IPv6 with :: and a dotted IPv4 tail", () => {
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6("2001:db8::8a2e:370:7334")).toEqual([0x2001, 0xdb8, 0, 0, 0, 0x8a2e, 0x370, 0x7334]);
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6("1::2::3")).toBeNull();
    expect(parseIPv6("1:2:3")).toBeNull();
    expect(parseIPv6("fe80::1%eth0")).toBeNull();
  });

  it("judges hosts handed over without a URL parser too", () => {
    expect(classifyHost("0x7f000001")).toBe("loopback");
    expect(classifyHost("[::ffff:7f00:1]")).toBe("loopback");
    expect(classifyHost("hooks.example.com")).toBe("public");
  });
});
