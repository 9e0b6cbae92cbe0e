import { describe, expect, it } from "vitest";
import { SITE, admin, identify, leadByEmail, pageView, send, track, uid } from "./helpers";

const VP = { title: "VP Sales", company_size: 200 };

async function sqlLead() {
  const address = `${uid("sql")}@acme.io`;
  const visitor = uid("v");
  await send(visitor, [identify(address, VP), track("demo_request")]);
  const lead = await leadByEmail(address);
  expect(lead.stage).toBe("sql");
  return { address, visitor, id: lead.id as string };
}

const feedback = (id: string, body: unknown) => admin(`/v1/leads/${id}/feedback`, { method: "POST", body: JSON.stringify(body) });

describe("sales feedback", () => {
  it("accepted then won follows the sales path", async () => {
    const { id } = await sqlLead();
    const accepted = await feedback(id, { outcome: "accepted" });
    expect(accepted).toMatchObject({ status: 200, body: { from: "sql", to: "accepted", lead: { stage: "accepted" } } });
    expect((await feedback(id, { outcome: "won", reason: "signed" })).body.lead.stage).toBe("won");
    const { body } = await admin(`/v1/leads/${id}`);
    expect(body.transitions.map((t: { to: string }) => t.to)).toEqual(["known", "sql", "accepted", "won"]);
    expect(body.transitions[3].cause).toBe("feedback: won (signed)");
  });

  it("rejected recycles the lead, which re-qualifies only on what it does afterwards", async () => {
    const { id, visitor } = await sqlLead();
    expect((await feedback(id, { outcome: "rejected", reason: "no budget" })).body.to).toBe("recycled");
    // Its old demo request and score no longer count: a page view does not bring it back.
    await send(visitor, [pageView("/")]);
    expect((await admin(`/v1/leads/${id}`)).body.lead.stage).toBe("recycled");
    // A new demo request does.
    await send(visitor, [track("demo_request")]);
    expect((await admin(`/v1/leads/${id}`)).body.lead.stage).toBe("sql");
  });

  it("refuses feedback that does not fit the stage with 409 invalid_transition", async () => {
    const address = `${uid("known")}@acme.io`;
    await send(uid("v"), [identify(address)]);
    const { id } = await leadByEmail(address);
    const response = await feedback(id, { outcome: "won" });
    expect(response).toMatchObject({ status: 409, body: { error: { code: "invalid_transition" } } });
  });

  it("refuses an unknown outcome with invalid_payload and an unknown lead with 404", async () => {
    const { id } = await sqlLead();
    expect((await feedback(id, { outcome: "maybe" })).status).toBe(400);
    expect((await feedback("f".repeat(64), { outcome: "accepted" })).status).toBe(404);
  });
});

describe("privacy requests", () => {
  it("erasing a lead keeps a shared computer's visitor that now belongs to someone else", async () => {
    const first = `${uid("a")}@acme.io`;
    const second = `${uid("b")}@acme.io`;
    const visitor = uid("shared");
    await send(visitor, [identify(first)]);
    await send(visitor, [identify(second)]);
    const { id } = await leadByEmail(first);
    await admin(`/v1/leads/${id}`, { method: "DELETE" });
    await send(visitor, [pageView("/after")]);
    expect((await leadByEmail(second)).events_total).toBe(2);
  });

  it("export returns every stored event, the stage log and the deliveries", async () => {
    const { id } = await sqlLead();
    const { status, body } = await admin(`/v1/leads/${id}/export`);
    expect(status).toBe(200);
    expect(body.lead.id).toBe(id);
    expect(body.events.map((e: { type: string }) => e.type)).toEqual(["identify", "track"]);
    expect(body.transitions).toHaveLength(2);
    expect(Array.isArray(body.deliveries)).toBe(true);
  });

  it("delete erases the lead and the anonymous ids that led to it", async () => {
    const { id, visitor, address } = await sqlLead();
    const erased = await admin(`/v1/leads/${id}`, { method: "DELETE" });
    expect(erased).toMatchObject({ status: 200, body: { deleted: id, visitors: 1 } });
    expect((await admin(`/v1/leads/${id}`)).status).toBe(404);
    expect((await admin(`/v1/leads?email=${address}`)).body.leads).toEqual([]);
    expect((await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads).toEqual([]);
    // The visitor may come back; it starts as a new anonymous lead.
    expect((await send(visitor, [pageView("/")])).status).toBe(202);
    expect((await admin(`/v1/leads?site=${SITE}&visitor=${visitor}`)).body.leads[0]).toMatchObject({ stage: "anonymous", events_total: 1 });
  });
});

describe("the deal size of a won lead", () => {
  it("is kept with the feedback and shows in the lead's export", async () => {
    const { id } = await sqlLead();
    expect((await feedback(id, { outcome: "won", reason: "signed", amount: 12_000 })).status).toBe(200);
    const { body } = await admin(`/v1/leads/${id}/export`);
    expect(body.feedback).toMatchObject([{ outcome: "won", reason: "signed", amount: 12_000 }]);
  });

  it("refuses a negative amount, an amount with another outcome and an unknown outcome with 400, changing nothing", async () => {
    const { id } = await sqlLead();
    for (const bad of [{ outcome: "won", amount: -5 }, { outcome: "accepted", amount: 100 }, { outcome: "maybe" }, { outcome: "won", amount: "12k" }]) {
      const answer = await feedback(id, bad);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("invalid_payload");
      expect(answer.body.error.issues.length).toBeGreaterThan(0);
    }
    const { body } = await admin(`/v1/leads/${id}/export`);
    expect(body.lead.stage).toBe("sql");
    expect(body.feedback).toEqual([]);
  });
});
