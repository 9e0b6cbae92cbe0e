import { describe, expect, it } from "vitest";
import { identityHash } from "../../worker/identity-proof";
import { SITE, admin, identify, leadByEmail, pageView, post, send, track, uid } from "./helpers";

/** The test config's site with an identity secret (IDENTITY_SECRET_PROOF, vitest.config.mts). */
const PROOF_SITE = "pk_proof";
const PROOF_SECRET = "identity-secret-of-the-proof-site";
const VP = { title: "VP Sales", company_size: 200 };
const INTERN = { title: "Intern", company_size: 1, phone: "+1 555 0100" };

const sendTo = (site: string, visitor: string, events: unknown[]) => post({ site, visitor, events });
const proven = async (email: string, traits: Record<string, unknown>, secret = PROOF_SECRET) => ({
  ...identify(email, traits),
  props: { email, traits, hash: await identityHash(secret, email) },
});
const lookup = async (site: string, email: string) =>
  (await admin(`/v1/leads?site=${site}&email=${encodeURIComponent(email)}`)).body.leads[0];

describe("identity: a claim unless proven", () => {
  it("a stranger's identify with a known lead's email adds missing traits only, and its events are marked claimed", async () => {
    const email = `${uid("victim")}@acme.io`;
    await send(uid("v"), [identify(email, VP)]);
    const before = await leadByEmail(email);

    const stranger = uid("stranger");
    await send(stranger, [identify(email, INTERN), pageView("/pricing")]);
    const lead = await leadByEmail(email);
    expect(lead.traits).toMatchObject({ title: "VP Sales", company_size: 200, phone: "+1 555 0100" });
    expect(lead.fit).toBe(before.fit);
    expect(lead.verified).toBe(false);
    const { body } = await admin(`/v1/leads/${lead.id}`);
    const fromStranger = body.events.filter((e: { visitor: string }) => e.visitor === stranger);
    expect(fromStranger.length).toBe(2);
    expect(fromStranger.every((e: { claimed?: boolean }) => e.claimed === true)).toBe(true);
    // Its later events, forwarded to the lead, stay claimed too.
    await send(stranger, [pageView("/docs")]);
    const later = (await admin(`/v1/leads/${lead.id}`)).body.events.filter((e: { visitor: string }) => e.visitor === stranger);
    expect(later.length).toBe(3);
    expect(later.every((e: { claimed?: boolean }) => e.claimed === true)).toBe(true);
  });

  it("an identify with the site's hash is verified: it overwrites traits and the lead says verified, also in its alerts", async () => {
    const email = `${uid("proof")}@acme.io`;
    await sendTo(PROOF_SITE, uid("v"), [identify(email, INTERN)]);
    expect(await lookup(PROOF_SITE, email)).toMatchObject({ verified: false });

    expect((await sendTo(PROOF_SITE, uid("v"), [await proven(email, VP), track("demo_request")])).status).toBe(202);
    const lead = await lookup(PROOF_SITE, email);
    expect(lead).toMatchObject({ verified: true, stage: "sql", traits: { title: "VP Sales", company_size: 200 } });
    const { body } = await admin(`/v1/leads/${lead.id}/export`);
    // The proof is checked, never stored.
    expect(JSON.stringify(body.events)).not.toContain("hash");
    const sql = body.deliveries.find((d: { type: string }) => d.type === "lead.sql");
    expect(JSON.stringify(sql.body)).toContain('"verified":true');
  });

  it("a hash made with another secret, or sent to a site without a secret, is only a claim", async () => {
    const email = `${uid("forged")}@acme.io`;
    await sendTo(PROOF_SITE, uid("v"), [identify(email, VP)]);
    await sendTo(PROOF_SITE, uid("v"), [await proven(email, INTERN, "a guess")]);
    expect(await lookup(PROOF_SITE, email)).toMatchObject({ verified: false, traits: { title: "VP Sales" } });

    const other = `${uid("nosecret")}@acme.io`;
    await send(uid("v"), [identify(other, VP)]);
    await send(uid("v"), [await proven(other, INTERN)]);
    expect(await leadByEmail(other)).toMatchObject({ verified: false, traits: { title: "VP Sales" } });
  });

  it("the site's server (admin /v1/identify) is trusted: its traits overwrite and the lead is verified", async () => {
    const email = `${uid("server")}@acme.io`;
    await send(uid("v"), [identify(email, INTERN)]);
    const answer = await admin("/v1/identify", { method: "POST", body: JSON.stringify({ site: SITE, visitor: uid("v"), email, traits: VP }) });
    expect(answer.status).toBeLessThan(300);
    expect(await leadByEmail(email)).toMatchObject({ verified: true, traits: { title: "VP Sales", company_size: 200 } });
  });

  it("beyond five new devices a day, a device's events are stored and flagged but never score", async () => {
    const email = `${uid("many")}@acme.io`;
    await send(uid("v"), [identify(email, VP)]);
    for (let i = 0; i < 4; i++) await send(uid("v"), [identify(email)]);
    const sixth = uid("sixth");
    await send(sixth, [identify(email), track("demo_request")]);
    const lead = await leadByEmail(email);
    expect(lead.stage).not.toBe("sql");
    const { body } = await admin(`/v1/leads/${lead.id}`);
    const flagged = body.events.filter((e: { visitor: string }) => e.visitor === sixth);
    expect(flagged.map((e: { bot: string; claimed?: boolean }) => [e.bot, e.claimed])).toEqual([
      ["devices", true],
      ["devices", true],
    ]);
  });
});
