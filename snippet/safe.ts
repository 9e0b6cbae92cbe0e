/**
 * Wraps a listener so nothing the snippet does can throw into the host page: an exception in an
 * event listener would reach the site's `window.onerror` and its error monitoring.
 */
export const safe =
  <A extends unknown[]>(fn: (...args: A) => unknown) =>
  (...args: A): void => {
    try {
      fn(...args);
    } catch {
      // The page must never see our failures; losing one event is the lesser harm.
    }
  };
