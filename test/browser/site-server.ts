/**
 * The "customer's website" of the browser tests: a static server for the scenario pages in
 * ./pages, on its own 127.0.0.1 port, so pages and collector are different origins as on a real
 * site. `{{NAME}}` in an HTML page is replaced by `vars.NAME` (the collector URL, the site key).
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
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
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
