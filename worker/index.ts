import { app } from "./app";

export { Inbox } from "./dev/inbox";
export { Lead } from "./lead/object";

export default app;
