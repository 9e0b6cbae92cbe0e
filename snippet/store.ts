/**
 * localStorage that never throws. Private modes and sandboxed frames make it throw; then the
 * snippet keeps working from memory for the life of the page.
 *
 * The first use of localStorage on a page is a synchronous round trip to the browser's storage
 * process (milliseconds, tens on a busy machine): nothing calls these while the script evaluates.
 */
import { safe } from "./safe";

const memory: Record<string, string> = {};

/** Keys read and written as properties: Storage's named properties are getItem and setItem. */
const area = (): Record<string, string | undefined> => safe(() => localStorage as unknown as Record<string, string>)() || memory;

/** An absent key reads as undefined. */
export const read = (key: string): string | undefined => area()[key];

/**
 * An empty value stands for none: every reader treats "" as absent. Returns the value, or
 * undefined when a full storage lost it.
 */
export const write = safe((key: string, value: string = ""): string => (area()[key] = value));
