/**
 * Runs our code after one of the page's own functions (a History method, a chat widget's
 * handler) without changing what the page sees: its function keeps its `this`, arguments, result
 * and exceptions, and ours runs even when it throws. `ours` must never throw (wrap it in `safe`).
 */
type Fn = (...args: unknown[]) => unknown;

export const after = (site: Fn | undefined, ours: (first?: unknown) => unknown) =>
  function (this: unknown, ...args: unknown[]) {
    try {
      return site?.apply(this, args);
    } finally {
      ours(args[0]);
    }
  };
