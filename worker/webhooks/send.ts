/**
 * One webhook POST: the Standard Webhooks headers, a timeout, no redirects, and the answer boiled
 * down to what the delivery log keeps. Never throws for a receiver's failure.
 */
import { SecretError, parseSecrets, signatureHeader } from "./signing";

/** Per attempt, as the Standard Webhooks recommendations ask. */
export const ATTEMPT_TIMEOUT_MS = 15_000;
/** How much of a failing receiver's answer is kept in the log. */
const ERROR_SNIPPET_BYTES = 300;
export const USER_AGENT = "Leadlight-Webhooks/1";

export interface SendResult {
  /** The receiver's HTTP status, or null when no answer came. */
  status: number | null;
  /** What went wrong, in words for the delivery log; null on success. */
  error: string | null;
  retryAfter: string | null;
}

/**
 * The headers of one attempt. A standard-format message is signed with every key of the
 * endpoint's secret (rotation); throws `SecretError` when the secret is missing or malformed.
 */
export async function requestHeaders(
  message: { id: string; format: string; body: string },
  secret: { value: unknown; name: string },
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": USER_AGENT };
  if (message.format !== "standard") return headers;
  // The webhook-timestamp is the wall-clock time of this attempt, what receivers compare against.
  const timestamp = Math.floor(Date.now() / 1000);
  const keys = parseSecrets(secret.value, secret.name);
  headers["webhook-id"] = message.id;
  headers["webhook-timestamp"] = String(timestamp);
  headers["webhook-signature"] = await signatureHeader(keys, message.id, timestamp, message.body);
  return headers;
}

export { SecretError };

/** One POST with a timeout. Never throws: a network failure is an attempt without a status. */
export async function send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body,
      // A redirect could lead past the URL check to a private address: it counts as a failure.
      redirect: "manual",
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    const retryAfter = response.headers.get("retry-after");
    if (response.ok) {
      await response.body?.cancel();
      return { status: response.status, error: null, retryAfter };
    }
    const location = response.headers.get("location");
    const detail =
      response.status >= 300 && response.status < 400
        ? `redirects are not followed${location ? ` (to ${location})` : ""}`
        : await snippet(response);
    return { status: response.status, error: `HTTP ${response.status}${detail ? `: ${detail}` : ""}`, retryAfter };
  } catch (error) {
    return { status: null, error: networkError(error), retryAfter: null };
  }
}

/** A failed fetch in words an operator can act on, never workerd's bare "internal error; reference = …". */
function networkError(error: unknown): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") return `timed out after ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  const message = error instanceof Error ? error.message : String(error);
  if (/internal error; reference/i.test(message)) {
    return "network error: could not connect (the host did not resolve, refused the connection, or TLS failed)";
  }
  return `network error: ${message}`;
}

/** The start of a failing receiver's answer, for the log; the rest is not read. */
async function snippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The answer was cut off (timeout, reset): what arrived is enough for the log.
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes.slice(0, ERROR_SNIPPET_BYTES)).trim().replace(/\s+/g, " ");
}
