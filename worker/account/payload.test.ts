import { describe, expect, it } from "vitest";
import { accountHotBody, accountView, withoutLead } from "./payload";
import type { AccountAlert } from "./store";

const AT = Date.UTC(2026, 10, 30);
const member = (id: string, stage: "mql" | "sql", score: number, ago: number) => ({ lead_id: id, email: `${id}@acme.io`, stage, score, last_seen: AT - ago });
const account = accountView("pk_demo", "acme.io", [member("ada", "sql", 60.2, 1_000), member("grace", "mql", 45.1, 5_000), member("linus", "mql", 10, 9_000)]);
const alert: AccountAlert = { sequence: 3, at: AT, account, active: { leads: 3, score: account.score } };

describe("an account.hot alert without an erased lead", () => {
  it("lists only the leads left, with their score, stages and last activity summed again", () => {
    const next = withoutLead(alert, "ada");
    expect(next?.account).toMatchObject({ score: 55.1, stages: { mql: 2 }, last_seen: new Date(AT - 5_000).toISOString() });
    expect(next?.account.leads.map((l) => l.id)).toEqual(["grace", "linus"]);
    expect(next?.active).toEqual({ leads: 2, score: 55.1 });
    expect(next?.sequence).toBe(3);
    for (const format of ["standard", "slack"] as const) {
      const body = accountHotBody(next as AccountAlert, format);
      expect(body).not.toContain("ada@acme.io");
      expect(body).toContain("grace@acme.io");
    }
  });

  it("is the same alert when it never named the lead, and nothing when it named no one else", () => {
    expect(withoutLead(alert, "someone-else")).toBe(alert);
    const alone: AccountAlert = { ...alert, account: accountView("pk_demo", "acme.io", [member("ada", "sql", 60, 0)]), active: { leads: 1, score: 60 } };
    expect(withoutLead(alone, "ada")).toBeNull();
  });
});
