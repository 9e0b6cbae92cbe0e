/**
 * What only local development serves: the demo marketing site under /demo/ and the webhook inbox
 * under /dev/. Elsewhere (LEADLIGHT_DEV is not "true") these paths answer 404 as if they did not
 * exist, so a deployed collector carries no fictional site and no inbox.
 */
import { Hono } from "hono";
import { type Env, isDev, isLoopbackHost } from "../env";
import { ApiError } from "../errors";
import { demo } from "./demo/routes";
import { inbox } from "./inbox";

export const dev = new Hono<{ Bindings: Env }>();

const notFound = () => new ApiError("not_found", "no such route");

// "/x/*" also matches "/x" itself.
dev.use("/demo/*", async (c, next) => {
  if (!isDev(c.env)) throw notFound();
  await next();
});

dev.use("/dev/*", async (c, next) => {
  if (!isDev(c.env)) throw notFound();
  // The inbox holds signed alerts: only a page opened on this machine by name may read it, not a
  // site whose DNS was rebound to 127.0.0.1 (it arrives with its own Host).
  if (!isLoopbackHost(new URL(c.req.url).host)) {
    throw new ApiError("forbidden_host", "the dev inbox answers only on 127.0.0.1, localhost or [::1]");
  }
  await next();
});

dev.route("/", demo);
dev.route("/", inbox);
