/**
 * A request body as text, the one way every route reads one: decompressed when its
 * Content-Encoding says gzip or deflate (bounded, so a zip bomb is refused, never inflated),
 * and refused rather than altered when it is not UTF-8.
 */
import { ApiError } from "../errors";

/** The Content-Encodings a body may come in, by the name DecompressionStream knows them. */
const ENCODINGS = new Map<string, CompressionFormat | "identity">([
  ["identity", "identity"],
  ["gzip", "gzip"],
  ["x-gzip", "gzip"],
  ["deflate", "deflate"],
]);

/** Compressed input goes in slices this big: deflate inflates 1 KiB to about 1 MB at most. */
const SLICE = 1024;

/** Whole bodies only (never `stream: true`), so one decoder serves every request. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

const tooLarge = (limit: number, decompressed: boolean) =>
  new ApiError(
    "payload_too_large",
    `a request body may be at most ${limit} bytes${decompressed ? ", also once decompressed" : ""}; send less at a time`,
  );

/**
 * The body as text: decompressed when it says so, and refused rather than altered when it is not
 * UTF-8 (a decoder that replaces bad bytes would store what the client never sent).
 */
export async function readText(request: Request, limit: number): Promise<string> {
  const named = (request.headers.get("content-encoding") ?? "identity").split(",").map((e) => e.trim().toLowerCase());
  const formats = named.filter((e) => e !== "" && ENCODINGS.get(e) !== "identity");
  const format = formats.length === 1 ? ENCODINGS.get(formats[0] as string) : formats.length === 0 ? "identity" : undefined;
  if (format === undefined) {
    throw new ApiError(
      "unsupported_media_type",
      `Content-Encoding "${named.join(", ")}" is not supported; send the body as is, or with Content-Encoding gzip or deflate`,
    );
  }
  const sent = new Uint8Array(await request.arrayBuffer());
  if (sent.byteLength > limit) throw tooLarge(limit, false);
  const bytes = format === "identity" ? sent : await inflate(sent, format, limit);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ApiError("invalid_payload", "the body is not valid UTF-8", { issues: [] });
  }
}

/**
 * Decompresses `data`, refusing output over the body limit. A few KB can inflate to gigabytes
 * (a zip bomb), and workerd's DecompressionStream inflates each write in full without waiting
 * for a reader. So input goes in slices, and one read at a time takes all the output there is
 * into a buffer one byte over the limit: once that byte is filled the rest is never inflated.
 */
async function inflate(data: Uint8Array<ArrayBuffer>, format: CompressionFormat, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new DecompressionStream(format);
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader({ mode: "byob" });
  let size = 0;
  const feeding = (async () => {
    for (let at = 0; at < data.length && size <= limit; at += SLICE) await writer.write(data.subarray(at, at + SLICE));
    if (size <= limit) await writer.close();
  })();
  // A corrupt body fails both ends of the stream: the reader below reports it.
  feeding.catch(() => undefined);
  // Each read hands the buffer over and gives it back in `value`.
  let buffer = new ArrayBuffer(limit + 1);
  try {
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buffer, size));
      if (value) {
        buffer = value.buffer;
        size += value.byteLength;
      }
      if (done || size > limit) break;
    }
  } catch {
    throw new ApiError("invalid_payload", `the body is not valid ${format} data, as its Content-Encoding says`, { issues: [] });
  }
  if (size > limit) {
    await Promise.all([reader.cancel().catch(() => undefined), writer.abort().catch(() => undefined)]);
    throw tooLarge(limit, true);
  }
  return new Uint8Array(buffer, 0, size);
}

