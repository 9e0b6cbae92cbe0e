/**
 * Wraps a function so nothing the snippet does can throw into the host page: an exception in an
 * event listener would reach the site's `window.onerror` and its error monitoring. The wrapper
 * returns what the function returns, or undefined when it threw.
 */
export const safe =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): R | undefined => {
    try {
      return fn(...args);
    } catch {
      // The page must never see our failures; losing one event is the lesser harm.
    }
  };
