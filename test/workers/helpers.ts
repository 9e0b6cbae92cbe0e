import { SELF, env } from "cloudflare:test";

export const ADMIN = { authorization: "Bearer test-admin-token" };
export const SITE = "pk_demo";
/** The test config's site origin (test/fixtures/workers.config.json). */
export const ORIGIN = "https://www.site.test";
const T0 = 1_763_900_000_000;

let counter = 0;
/** A fresh id, so tests sharing the object store never collide. */
export const uid = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export const pageView = (path: string, extra: Record<string, unknown> = {}) => ({
  id: uid("pv"),
  type: "page_view",
  ts: T0 + counter * 5_000,
  url: `https://example.com${path}`,
  ...extra,
});

export const identify = (email: string, traits: Record<string, unknown> = {}) => ({
  id: uid("id"),
  type: "identify",
  ts: T0,
  props: { email, traits },
});

export const track = (name: string, props: Record<string, unknown> = {}) => ({ id: uid("tr"), type: "track", ts: T0, name, props });

export function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch("http://collector.test/v1/events", {
    method: "POST",
    headers: { "content-type": "text/plain", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export const send = (visitor: string, events: unknown[], headers: Record<string, string> = {}) =>
  post({ site: SITE, visitor, events }, headers);

export async function admin<T = Record<string, any>>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await SELF.fetch(`http://collector.test${path}`, {
    ...init,
    headers: { ...ADMIN, "content-type": "application/json", ...(init.headers as Record<string, string>) },
  });
  return { status: response.status, body: (await response.json()) as T };
}

export async function leadByEmail(email: string) {
  const { body } = await admin(`/v1/leads?email=${encodeURIComponent(email)}`);
  return body.leads[0];
}

/**
 * Waits until `read` gives something: lead objects send their copies to the lead index through a
 * queue whose consumer runs in this same Worker a moment later (up to its batch timeout). Bounded:
 * it throws, naming `what`, when nothing came in 10 s.
 */
export async function eventually<T>(read: () => Promise<T | null | undefined>, what: string): Promise<T> {
  for (let tries = 0; tries < 200; tries++) {
    const value = await read();
    if (value !== null && value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`still not in the lead index after 10 s: ${what}`);
}

/** The lead's row in the lead index once its copy arrived, and (with `ready`) once that copy says so. */
export function indexRow(id: string, ready: (row: Record<string, unknown>) => boolean = () => true) {
  return eventually(async () => {
    const row = await env.LEAD_INDEX.prepare("SELECT * FROM leads WHERE id = ?").bind(id).first();
    return row && ready(row) ? row : null;
  }, `lead ${id}`);
}
