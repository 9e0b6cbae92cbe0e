/**
 * Every error a client can see: a code users can search for, mapped to its HTTP status here
 * and nowhere else. Bodies are always `{"error": {"code", "message", ...details}}`.
 */
export const ERROR_STATUS = {
  invalid_payload: 400,
  invalid_request: 400,
  /** A config the caller sent (a what-if candidate) breaks the config schema. */
  invalid_config: 400,
  unknown_site: 401,
  unauthorized: 401,
  origin_not_allowed: 403,
  forbidden_host: 403,
  not_found: 404,
  invalid_transition: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  /** The collector's own config is invalid: the operator's to fix, so never the caller's fault. */
  collector_misconfigured: 500,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status(): (typeof ERROR_STATUS)[ErrorCode] {
    return ERROR_STATUS[this.code];
  }

  toResponse(): Response {
    const { code, message, details } = this;
    return Response.json({ error: { code, message, ...details } }, { status: this.status, headers: this.headers });
  }
}
