import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, uid } from "./helpers";

interface Page {
  deliveries: { id: string; status: string; updated_at: string }[];
  next_cursor: string | null;
}

/** Log rows later than any real delivery, so they head the log; two share an update time. */
async function logRows(status: string) {
  const at = Date.now() + 1e12;
  const rows = [
    { id: uid("msg_a"), updated_at: at + 2 },
    { id: uid("msg_b"), updated_at: at + 1 },
    { id: uid("msg_c"), updated_at: at + 1 },
  ];
  for (const row of rows) {
    await env.LEAD_INDEX.prepare(
      `INSERT INTO deliveries (id, lead_id, endpoint, type, sequence, status, attempts, last_error, updated_at)
       VALUES (?, 'lead-x', 'sales', 'lead.mql', 1, ?, 1, NULL, ?)`,
    )
      .bind(row.id, status, row.updated_at)
      .run();
  }
  return rows;
}

describe("GET /v1/deliveries", () => {
  it("answers in pages like every list: limit, then next_cursor to the rest, newest first, no row twice", async () => {
    const rows = await logRows("failed");
    const first = await admin<Page>("/v1/deliveries?status=failed&limit=2");
    expect(first.status).toBe(200);
    // Newest first; the two of one instant by id (msg_b before msg_c).
    expect(first.body.deliveries.map((d) => d.id)).toEqual([rows[0]?.id, rows[1]?.id]);
    expect(first.body.next_cursor).toEqual(expect.any(String));

    const second = await admin<Page>(`/v1/deliveries?status=failed&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.status).toBe(200);
    const seen = [...first.body.deliveries, ...second.body.deliveries].map((d) => d.id);
    expect(seen.filter((id) => rows.some((r) => r.id === id)).sort()).toEqual(rows.map((r) => r.id).sort());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("refuses a cursor it did not give out", async () => {
    const { status, body } = await admin("/v1/deliveries?cursor=nope");
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_request");
  });
});
