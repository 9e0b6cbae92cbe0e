import { app } from "./app";

export { Inbox } from "./inbox";
export { Lead } from "./lead";

export default app;
