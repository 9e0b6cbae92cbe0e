/**
 * The demo marketing site under /demo/: home, pricing, resources (with a PDF), careers, a chat
 * widget and a demo-request form, every page carrying the snippet, so `npm start` shows the whole
 * flow from first visit to SQL alert.
 */
import { Hono } from "hono";
import type { Env } from "../../env";
import { CHAT_WIDGET_JS } from "./chat-widget";
import { GUIDE_PDF, careers, home, pricing, requestDemo, resources } from "./pages";
import { makePdf } from "./pdf";

const GUIDE = makePdf("The cloud cost buyer's guide", [
  "Acme Cloud - a fictional company in the Leadlight demo.",
  "",
  "1. Ask what share of the savings the vendor keeps.",
  "2. Ask how changes are rolled back when a service slows down.",
  "3. Ask for a report your finance team can read without you.",
  "",
  "Downloading this file was recorded by the Leadlight snippet as a download event.",
]);

export const demo = new Hono<{ Bindings: Env }>();

demo.get("/demo", (c) => c.redirect("/demo/", 301));
demo.get("/demo/", (c) => c.html(home()));
demo.get("/demo/pricing", (c) => c.html(pricing()));
demo.get("/demo/resources", (c) => c.html(resources()));
demo.get("/demo/careers", (c) => c.html(careers()));
demo.get("/demo/request-demo", (c) => c.html(requestDemo()));
demo.get("/demo/chat.js", (c) => c.body(CHAT_WIDGET_JS, 200, { "Content-Type": "application/javascript; charset=utf-8" }));
demo.get(GUIDE_PDF, (c) => c.body(GUIDE, 200, { "Content-Type": "application/pdf" }));
