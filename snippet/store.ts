/**
 * localStorage that never throws. Private modes and sandboxed frames make it throw; then the
 * snippet keeps working from memory for the life of the page.
 */
const memory: Record<string, string> = {};

export const read = (key: string): string | null | undefined => {
  try {
    return localStorage.getItem(key);
  } catch {
    return memory[key];
  }
};

/** An empty value stands for none: every reader treats "" as absent. */
export const write = (key: string, value = ""): void => {
  memory[key] = value;
  try {
    localStorage.setItem(key, value);
  } catch {
    // Memory already holds it.
  }
};
