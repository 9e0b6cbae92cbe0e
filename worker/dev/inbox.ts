/**
 * A webhook receiver for local development, so a newcomer running `npm start` sees the signed
 * alerts sales would get. The default config points its endpoint at
 * `http://127.0.0.1:8787/dev/inbox/sales`; this route stores what arrives and checks the
 * signature with that endpoint's own secret, as a real receiver would.
 *
 *   POST /dev/inbox/:endpoint   store {endpoint, headers, body, verified, received_at} → 204
 *   GET  /dev/inbox             {"messages": [...]}, newest first (?endpoint=, ?limit=)
 *
 * Mounted only in local development (see dev/routes.ts). Messages live in one `Inbox` Durable
 * Object; the oldest are dropped beyond `KEEP`.
 */
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type Env, secret } from "../env";
import { ApiError } from "../errors";
import { loadConfig } from "../settings";
import { SecretError, parseSecrets, verifySignature } from "../webhooks/signing";

const KEEP = 200;
const MAX_BODY_BYTES = 256 * 1024;

export interface InboxMessage {
  id: number;
  endpoint: string;
  headers: Record<string, string>;
  /** The body, parsed when it is JSON (it always is from Leadlight), else the text. */
  body: unknown;
  /** The signature matched the endpoint's secret and the timestamp is within 5 minutes. */
  verified: boolean;
  /** Why `verified` is false, in words; null when it is true. */
  verify_error: string | null;
  received_at: string;
}

interface StoredMessage extends Record<string, SqlStorageValue> {
  id: number;
  endpoint: string;
  headers: string;
  body: string;
  verified: number;
  verify_error: string | null;
  received_at: number;
}

export class Inbox extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS messages (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        endpoint     TEXT NOT NULL,
        headers      TEXT NOT NULL,
        body         TEXT NOT NULL,
        verified     INTEGER NOT NULL,
        verify_error TEXT,
        received_at  INTEGER NOT NULL
      )`);
    });
  }

  receive(message: { endpoint: string; headers: Record<string, string>; body: string; verified: boolean; verify_error: string | null; received_at: number }): void {
    const sql = this.ctx.storage.sql;
    sql.exec(
      "INSERT INTO messages (endpoint, headers, body, verified, verify_error, received_at) VALUES (?, ?, ?, ?, ?, ?)",
      message.endpoint, JSON.stringify(message.headers), message.body, message.verified ? 1 : 0, message.verify_error, message.received_at,
    );
    sql.exec("DELETE FROM messages WHERE id <= (SELECT max(id) FROM messages) - ?", KEEP);
  }

  list(options: { endpoint?: string; limit: number }): InboxMessage[] {
    return this.ctx.storage.sql
      .exec<StoredMessage>(
        `SELECT id, endpoint, headers, body, verified, verify_error, received_at FROM messages
         WHERE (?1 IS NULL OR endpoint = ?1) ORDER BY id DESC LIMIT ?2`,
        options.endpoint ?? null,
        options.limit,
      )
      .toArray()
      .map((m) => ({
        id: m.id,
        endpoint: m.endpoint,
        headers: JSON.parse(m.headers) as Record<string, string>,
        body: parseOrText(m.body),
        verified: m.verified === 1,
        verify_error: m.verify_error,
        received_at: new Date(m.received_at).toISOString(),
      }));
  }
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const theInbox = (env: Env) => env.INBOX.get(env.INBOX.idFromName("dev-inbox"));

/** Checks a message the way a receiver of `endpoint` would; the reason when it does not verify. */
async function verify(env: Env, endpoint: string, headers: Headers, body: string): Promise<string | null> {
  const hook = loadConfig(env).webhooks.find((h) => h.id === endpoint);
  if (!hook) return `no webhook "${endpoint}" in the config`;
  if (!hook.secret_env) return `webhook "${endpoint}" has no secret_env (unsigned format "${hook.format}")`;
  let keys: Uint8Array[];
  try {
    keys = parseSecrets(secret(env, hook.secret_env), hook.secret_env);
  } catch (error) {
    if (error instanceof SecretError) return error.message;
    throw error;
  }
  const ok = await verifySignature(
    keys,
    {
      "webhook-id": headers.get("webhook-id"),
      "webhook-timestamp": headers.get("webhook-timestamp"),
      "webhook-signature": headers.get("webhook-signature"),
    },
    body,
    Math.floor(Date.now() / 1000),
  );
  return ok ? null : "no signature matches the endpoint's secret, or the timestamp is over 5 minutes off";
}

export const inbox = new Hono<{ Bindings: Env }>();

inbox.post(
  "/dev/inbox/:endpoint",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => new ApiError("payload_too_large", `the dev inbox keeps bodies up to ${MAX_BODY_BYTES} bytes`).toResponse(),
  }),
  async (c) => {
    const endpoint = c.req.param("endpoint");
    const body = await c.req.text();
    const verifyError = await verify(c.env, endpoint, c.req.raw.headers, body);
    await theInbox(c.env).receive({
      endpoint,
      headers: Object.fromEntries(c.req.raw.headers),
      body,
      verified: verifyError === null,
      verify_error: verifyError,
      received_at: Date.now(),
    });
    return c.body(null, 204);
  },
);

inbox.get("/dev/inbox", async (c) => {
  const limit = Number(c.req.query("limit") ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > KEEP) {
    throw new ApiError("invalid_request", `limit is a whole number from 1 to ${KEEP}`);
  }
  const messages = await theInbox(c.env).list({ endpoint: c.req.query("endpoint"), limit });
  return c.json({ messages });
});
