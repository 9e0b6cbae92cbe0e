/**
 * A Worker that does nothing: 204 to POST /v1/events, the floor the collector is measured against.
 * The body is not read, so the ratio charges the collector with everything it does with a request.
 */
export default {
  fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/v1/events") return new Response(null, { status: 204 });
    return new Response("not found", { status: 404 });
  },
};
