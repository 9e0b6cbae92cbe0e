/**
 * Operator logs: one JSON object per line, which Workers observability indexes by field. Each
 * names what happened (`event`), the lead and endpoint involved and why, never a secret or an
 * email. Errors are reduced to their message: a stack trace says nothing an operator can act on.
 *
 * @example
 * log("warn", "webhook.retry", { lead: "9f…", endpoint: "sales", reason: "HTTP 503" });
 * // {"level":"warn","event":"webhook.retry","lead":"9f…","endpoint":"sales","reason":"HTTP 503"}
 */
export type LogLevel = "info" | "warn" | "error";

export function log(level: LogLevel, event: string, fields: Record<string, string | number | boolean | null | undefined> = {}): void {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** An error's message, for the `reason` field. */
export const reason = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
