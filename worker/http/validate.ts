/**
 * The one way a request's input is read and checked: zod schemas, and an `ApiError` with every
 * issue's path when the input does not match. Handlers receive typed, valid data or never run.
 *
 * @example
 * admin.get("/v1/stats", query(StatsQuery, "stats take site=, from= and to="), (c) => {
 *   const { site, from, to } = c.req.valid("query");
 * });
 */
import type { MiddlewareHandler } from "hono";
import type * as z from "zod";
import type { Env } from "../env";
import { ApiError, type ErrorCode } from "../errors";
import { readText } from "./body";

export interface Issue {
  path: string[];
  message: string;
}

export const issuesOf = (error: z.ZodError): Issue[] => error.issues.map((i) => ({ path: i.path.map(String), message: i.message }));

/** `value` checked against `schema`, or an ApiError with `code`, `message` and the issues. */
export function check<S extends z.ZodType>(schema: S, value: unknown, code: ErrorCode, message: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(code, message, { issues: issuesOf(parsed.error) });
  return parsed.data;
}

/** Bodies the admin API takes; ingest has its own, smaller limit. */
const ADMIN_BODY_BYTES = 1024 * 1024;

/**
 * A request body as JSON, whatever its content type: sendBeacon and many servers send JSON as
 * text/plain or with no type at all. Compressed bodies are decoded (see http/body.ts).
 */
export async function readJson(request: Request, limit = ADMIN_BODY_BYTES): Promise<unknown> {
  const text = await readText(request, limit);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError("invalid_payload", "the body is not valid JSON", { issues: [] });
  }
}

/** Query parameters left empty (`?stage=&limit=`, as a URL template reads) mean "not given". */
const given = (query: Record<string, string | string[]>) => Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ""));

/**
 * Validates the query string; 400 `invalid_request` with the issues otherwise. A name given once
 * is a string, given more than once a list (as hono's validator reads a query). Written out
 * rather than hono/validator, which brings form, cookie and body parsing into the bundle.
 */
export function query<S extends z.ZodType>(
  schema: S,
  message: string,
): MiddlewareHandler<{ Bindings: Env }, string, { in: { query: z.input<S> }; out: { query: z.output<S> } }> {
  return async (c, next) => {
    const value = Object.fromEntries(Object.entries(c.req.queries()).map(([name, values]) => [name, values.length === 1 ? (values[0] as string) : values]));
    c.req.addValidatedData("query", check(schema, given(value), "invalid_request", message) as object);
    await next();
  };
}

/** Validates a JSON body (see `readJson`); 400 `invalid_payload` with the issues otherwise. */
export function jsonBody<S extends z.ZodType>(
  schema: S,
  message: string,
): MiddlewareHandler<{ Bindings: Env }, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }> {
  return async (c, next) => {
    c.req.addValidatedData("json", check(schema, await readJson(c.req.raw), "invalid_payload", message) as object);
    await next();
  };
}
