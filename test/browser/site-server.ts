/**
 * The "customer's website" of the browser tests: a static server for the scenario pages in
 * ./pages, on its own 127.0.0.1 port, so pages and collector are different origins as on a real
 * site. `{{NAME}}` in an HTML page is replaced by `vars.NAME` (the collector URL, the site key,
 * the site's own URL). Under /ll/ it is a first-party proxy to the collector, as sites put one
 * under a path of their own so that blocklists do not see the collector.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const PAGES = fileURLToPath(new URL("./pages", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
};

/** Links that leave the page the way a download served by a CDN often does: a redirect. */
const REDIRECTS: Record<string, string> = {
  "/downloads/whitepaper.pdf": "/downloads/thanks.html",
};

/** Files served from the repository rather than ./pages: the snippet, self-hosted by the site. */
const FROM_ROOT: Record<string, string> = {
  "/vendor/s.js": "dist/s.js",
};

/** The proxy's path prefix: /ll/v1/events is the collector's /v1/events. */
const PROXY = "/ll/";

/** Forwards a request to the collector as a site's reverse proxy would: method, body, type, origin. */
async function forward(request: IncomingMessage, response: ServerResponse, target: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const name of ["content-type", "origin"]) {
    const value = request.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  const answer = await fetch(target, { method: request.method, headers, body });
  response
    .writeHead(answer.status, { "Content-Type": answer.headers.get("content-type") ?? "text/plain" })
    .end(Buffer.from(await answer.arrayBuffer()));
}

export interface Site {
  url: string;
  /** Every request the server received, in order (method and path with query). */
  requests: { method: string; path: string }[];
  stop(): Promise<void>;
}

export async function startSite(vars: Record<string, string>): Promise<Site> {
  const requests: Site["requests"] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const url = new URL(request.url ?? "/", "http://site");
    requests.push({ method: request.method ?? "GET", path: url.pathname + url.search });
    if (url.pathname.startsWith(PROXY)) {
      const target = `${vars.COLLECTOR}/${url.pathname.slice(PROXY.length)}${url.search}`;
      forward(request, response, target).catch(() => response.writeHead(502).end());
      return;
    }
    const redirect = REDIRECTS[url.pathname];
    if (redirect) {
      response.writeHead(302, { Location: redirect }).end();
      return;
    }
    const own = FROM_ROOT[url.pathname];
    const path = own ? join(ROOT, own) : normalize(join(PAGES, decodeURIComponent(url.pathname)));
    const file = path.endsWith("/") ? join(path, "index.html") : path;
    if (!own && !file.startsWith(PAGES)) {
      response.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (bytes) => {
        const type = TYPES[extname(file)] ?? "application/octet-stream";
        const body = type.startsWith("text/html")
          ? bytes.toString("utf8").replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars[name] ?? "")
          : bytes;
        // No caching: a test that revisits a page must see the server, and bfcache must not be
        // blocked by anything but what the test means.
        response.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache" }).end(body);
      },
      () => response.writeHead(404, { "Content-Type": "text/plain" }).end("not found"),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  vars.SITE_URL = `http://127.0.0.1:${port}`;
  return {
    url: vars.SITE_URL,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
