import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, keysetQuery, pageOf, when } from "./paging";

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

  it("a cursor continues after its row: a lower score, or the same score and a later key", () => {
    const { sql, binds } = keysetQuery({ key: "domain || ' ' || site", conditions: [when(3, "score >= ?")], cursor: encodeCursor(42.5, "acme.io pk"), limit: 2 });
    expect(sql).toBe("WHERE score >= ? AND (score < ? OR (score = ? AND domain || ' ' || site > ?)) ORDER BY score DESC, domain || ' ' || site LIMIT ?");
    expect(binds).toEqual([3, 42.5, 42.5, "acme.io pk", 3]);
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
});

