import { describe, expect, it } from "vitest";
import { Cursor, decodeCursor, encodeCursor, keysetQuery, pageOf, when } from "./paging";

describe("keyset paging", () => {
  it("joins the asked-for filters, leaves out the others, and asks for one row past the page", () => {
    const { sql, binds } = keysetQuery({
      key: "id",
      conditions: [when("pk_demo", "site = ?"), when(undefined, "stage = ?"), when("x", "(a = ? OR b = ?)", ["x", "y"])],
      cursor: undefined,
      limit: 10,
    });
    expect(sql).toBe("WHERE site = ? AND (a = ? OR b = ?) ORDER BY score DESC, id LIMIT ?");
    expect(binds).toEqual(["pk_demo", "x", "y", 11]);
  });

  it("with no filter and no cursor has no WHERE", () => {
    expect(keysetQuery({ key: "id", conditions: [], cursor: undefined, limit: 5 })).toEqual({ sql: " ORDER BY score DESC, id LIMIT ?", binds: [6] });
  });

  it("a cursor continues after its row: a lower score, or the same score and a later key, bounded by score <= for the index", () => {
    const { sql, binds } = keysetQuery({ key: "id", conditions: [when(3, "score >= ?")], cursor: encodeCursor(42.5, "lead-7"), limit: 2 });
    expect(sql).toBe("WHERE score >= ? AND score <= ? AND (score < ? OR (score = ? AND id > ?)) ORDER BY score DESC, id LIMIT ?");
    expect(binds).toEqual([3, 42.5, 42.5, 42.5, "lead-7", 3]);
  });

  it("with several tie columns orders by each and continues after the cursor's key split at its spaces, the last column taking the rest", () => {
    const { sql, binds } = keysetQuery({ key: ["domain", "site"], conditions: [], cursor: encodeCursor(7, "acme.io pk demo"), limit: 1 });
    expect(sql).toBe("WHERE score <= ? AND (score < ? OR (score = ? AND (domain > ? OR (domain = ? AND site > ?)))) ORDER BY score DESC, domain, site LIMIT ?");
    expect(binds).toEqual([7, 7, 7, "acme.io", "acme.io", "pk demo", 2]);
  });

  it("gives the page and a cursor at its last row only when a row past the page came back", () => {
    const rows = [
      { score: 9, id: "a" },
      { score: 7, id: "b" },
      { score: 7, id: "c" },
    ];
    const full = pageOf(rows, 2, (r) => r.id);
    expect(full.page).toEqual(rows.slice(0, 2));
    expect(full.next_cursor && decodeCursor(full.next_cursor)).toEqual([7, "b"]);
    expect(pageOf(rows.slice(0, 2), 2, (r) => r.id)).toEqual({ page: rows.slice(0, 2), next_cursor: null });
    expect(pageOf([], 2, (r: { score: number }) => String(r.score))).toEqual({ page: [], next_cursor: null });
  });

  it("reads back its own cursors and refuses anything else", () => {
    expect(decodeCursor(encodeCursor(-1.25, "acme.io pk_demo"))).toEqual([-1.25, "acme.io pk_demo"]);
    for (const bad of ["nonsense", btoa("[1]"), btoa('["1","a"]'), btoa("{}"), ""]) expect(decodeCursor(bad), bad).toBeNull();
  });

  it("the cursor= schema takes its own cursors and refuses others with the API's message", () => {
    expect(Cursor.parse(encodeCursor(3, "a"))).toBe(encodeCursor(3, "a"));
    const refused = Cursor.safeParse("nonsense");
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe("cursor is not one this API gave out");
  });
});

