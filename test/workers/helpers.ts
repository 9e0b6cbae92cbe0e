import { SELF } from "cloudflare:test";

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
