import { describe, expect, it } from "vitest";
import { type Alert, renderBody, slackBody, slackEscape, standardBody } from "./payload";

const alert = (overrides: Partial<Alert> = {}): Alert => ({
  type: "lead.sql",
  sequence: 3,
  at: Date.UTC(2026, 10, 23, 10, 0, 0),
  lead: {
    id: "a1b2",
    email: "ada@acme.io",
    traits: { name: "Ada Lovelace", title: "VP Sales", company: "Acme", company_size: 200 },
    stage: "sql",
    score: 95,
    engagement: 60,
    fit: 35,
    sequence: 3,
    first_seen: "2026-11-20T09:00:00.000Z",
    last_seen: "2026-11-23T10:00:00.000Z",
    source: null,
    verified: true,
  },
  from: "mql",
  to: "sql",
  reasons: [
    { rule: "page-view", points: 4, count: 4 },
    { rule: "demo-request", points: 30, count: 1 },
    { rule: "careers", points: -15, count: 1 },
    { rule: "pricing-revisit", points: 15, count: 1 },
    { rule: "chat", points: 0, count: 0 },
  ],
  recent: [{ id: "e2", type: "track", name: "demo_request", ts: 1763892000000, received_at: "2026-11-23T10:00:00.000Z", bot: null }],
  dashboard_url: "http://127.0.0.1:8787/dashboard#lead=a1b2",
  ...overrides,
});

describe("the standard body", () => {
  it("is DESIGN.md's payload, with the sequence at the top and in data", () => {
    expect(JSON.parse(standardBody(alert()))).toEqual({
      type: "lead.sql",
      timestamp: "2026-11-23T10:00:00.000Z",
      sequence: 3,
      data: {
        lead: alert().lead,
        from: "mql",
        to: "sql",
        reasons: alert().reasons,
        recent: [{ id: "e2", type: "track", name: "demo_request", ts: 1763892000000, received_at: "2026-11-23T10:00:00.000Z", bot: null }],
        sequence: 3,
      },
    });
  });

  it("is the same bytes every time it is rendered", () => {
    expect(standardBody(alert())).toBe(standardBody(alert()));
  });

  it("says cause rules_changed only for a move a rules change made", () => {
    expect(JSON.parse(standardBody(alert({ cause: "rules_changed" }))).data.cause).toBe("rules_changed");
    expect(JSON.parse(standardBody(alert())).data).not.toHaveProperty("cause");
  });
});

describe("the Slack message", () => {
  type Block = { type: string; text?: { text: string }; elements?: Record<string, unknown>[] };
  const message = () => JSON.parse(slackBody(alert())) as { text: string; blocks: Block[] };

  it("says who, the new stage and the score in its text", () => {
    expect(message().text).toBe(
      "Ada Lovelace (ada@acme.io) is now a Sales Qualified Lead — ready for sales — score 95. <http://127.0.0.1:8787/dashboard#lead=a1b2|Open in Leadlight>",
    );
  });

  it("shows stage, score, the top three reasons and a button to the lead", () => {
    const text = JSON.stringify(message().blocks);
    expect(text).toContain("MQL → SQL");
    expect(text).toContain("95 (engagement 60, fit 35)");
    expect(text).toContain("VP Sales, Acme");
    const reasons = message().blocks.find((b) => b.text?.text?.startsWith("*Top reasons*"));
    expect(reasons?.text?.text).toBe("*Top reasons*\n• demo-request +30\n• careers -15\n• pricing-revisit +15");
    const actions = message().blocks.find((b) => b.type === "actions");
    expect(actions?.elements?.[0]).toMatchObject({ type: "button", url: "http://127.0.0.1:8787/dashboard#lead=a1b2" });
  });

  it("escapes a visitor's name so it cannot become a link or a mention", () => {
    const body = slackBody(alert({ lead: { ...alert().lead, traits: { name: "<https://evil.example|click> & <!channel>" } } }));
    expect(body).not.toContain("<https://evil.example");
    expect(body).not.toContain("<!channel>");
    expect(body).toContain("&lt;https://evil.example|click&gt; &amp; &lt;!channel&gt;");
    expect(slackEscape("a<b>&c")).toBe("a&lt;b&gt;&amp;c");
  });

  it("falls back to the email, then the lead id, and leaves out the button without a dashboard URL", () => {
    const anonymous = JSON.parse(
      slackBody(alert({ type: "lead.mql", lead: { ...alert().lead, email: null, traits: {} }, dashboard_url: null })),
    ) as { text: string; blocks: { type: string }[] };
    expect(anonymous.text).toBe("lead a1b2 is now a Marketing Qualified Lead — score 95.");
    expect(anonymous.blocks.some((b) => b.type === "actions")).toBe(false);
    const byEmail = JSON.parse(slackBody(alert({ lead: { ...alert().lead, traits: {} } }))) as { text: string };
    expect(byEmail.text).toMatch(/^ada@acme\.io is now/);
  });

  it("is what the slack format renders", () => {
    expect(renderBody(alert(), "slack")).toBe(slackBody(alert()));
    expect(renderBody(alert(), "standard")).toBe(standardBody(alert()));
  });
});
