/**
 * A webhook receiver for end-to-end tests: an HTTP server on a free 127.0.0.1 port that keeps
 * every request it gets (headers and body) and answers 204.
 *
 * @example
 * const receiver = await startReceiver();
 * // config: { url: `http://127.0.0.1:${receiver.port}/hook`, ... }
 * expect(receiver.received.length).toBe(1);
 * await receiver.close();
 */
import { type IncomingHttpHeaders, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  port: number;
  /** Every request so far, in arrival order. */
  received: Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
