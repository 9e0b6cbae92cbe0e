import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Event } from "../shared/wire";
import { identityHash, proveIdentifies, verifyIdentity } from "./identity-proof";

const SECRET = "s3cret-of-the-site";
const nodeHash = (email: string) => createHmac("sha256", SECRET).update(email.trim().toLowerCase()).digest("hex");
const identify = (email: string, hash?: string): Event => ({ id: "i1", type: "identify", ts: 1, props: { email, ...(hash && { hash }) } });

describe("identity proof", () => {
  it("is the hex HMAC-SHA256 a site's server computes with node:crypto, of the normalized email", async () => {
    expect(await identityHash(SECRET, "  Ada@Acme.io ")).toBe(nodeHash("ada@acme.io"));
  });

  it("verifies the right hash in either case and refuses another email's, another secret's or a truncated one", async () => {
    const hash = nodeHash("ada@acme.io");
    expect(await verifyIdentity(SECRET, "ADA@acme.io", hash.toUpperCase())).toBe(true);
    expect(await verifyIdentity(SECRET, "eve@acme.io", hash)).toBe(false);
    expect(await verifyIdentity("another", "ada@acme.io", hash)).toBe(false);
    expect(await verifyIdentity(SECRET, "ada@acme.io", hash.slice(0, 63))).toBe(false);
  });

  it("proves only identifies with a matching hash, and takes every hash out of the events", async () => {
    const events = [identify("ada@acme.io", nodeHash("ada@acme.io")), identify("eve@acme.io", nodeHash("ada@acme.io")), identify("bob@acme.io")];
    const { events: out, proven } = await proveIdentifies(events, SECRET);
    expect(proven).toEqual(["ada@acme.io"]);
    expect(out.every((e) => e.type === "identify" && !("hash" in e.props))).toBe(true);
    expect((await proveIdentifies(events, undefined)).proven).toEqual([]);
  });
});
