/**
 * The admin API as the dashboard calls it: one typed `get`/`send` per route shape, the bearer
 * token on every call, and two failures the page treats differently: a refused token (stop and
 * ask) and any other error answer (show its message). Paths are the API's own ("/v1/leads");
 * the prefix the page is served under is added here.
 */
import type { Channel } from "../shared/api";
import type { Calibration, FeedbackCounts, SalesNumbers } from "../worker/calibration";
import { at } from "./route";

export class TokenRefused extends Error {}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FunnelStats {
  site: string | null;
  from: string;
  to: string;
  funnel: { stage: string; count: number }[];
  conversion: { from: string; to: string; rate: number | null }[];
  feedback: FeedbackCounts;
  sales: SalesNumbers;
  /** The funnel's steps (by name) and the revenue won, per first-touch channel. */
  by_channel?: ({ channel: Channel; revenue: number } & Record<string, number | string>)[];
}

export type RuleStats = Calibration & { site: string | null; from: string; to: string };

export interface InboxMessage {
  endpoint: string;
  headers: Record<string, string>;
  /** Parsed when it is JSON (always, from Leadlight), else the text as sent. */
  body: unknown;
  verified: boolean;
  verify_error: string | null;
  received_at: string | number;
}

let token = "";
export const setToken = (value: string): void => {
  token = value;
};

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  // Relative to where the page is served: the collector may sit under a path prefix.
  const response = await fetch(at(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) throw new TokenRefused("the admin token was refused");
  const answer: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (answer as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiFailure(response.status, error?.code ?? "error", error?.message ?? `${path} answered ${response.status}`);
  }
  return answer as T;
}

export const get = <T>(path: string): Promise<T> => call<T>("GET", path);
export const send = <T>(method: "POST" | "DELETE", path: string, body?: unknown): Promise<T> => call<T>(method, path, body);

/** A query string from the defined values only. */
export function qs(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}
