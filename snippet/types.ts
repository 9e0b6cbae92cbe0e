import type { Event } from "../shared/wire";

type WithoutStamp<T> = T extends unknown ? Omit<T, "id" | "ts"> : never;

/** An event before the snippet stamps it with its id and time. */
export type Draft = WithoutStamp<Event>;

/** Queues an event; `now` sends at once, for clicks that may be about to leave the page. */
export type Emit = (draft: Draft, now?: unknown) => void;
