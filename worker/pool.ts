/**
 * Runs `task` over `items`, at most `limit` at a time, and reports each outcome in the items'
 * order (a rejection is an outcome, not a failure of the whole run). Pure: no Workers APIs.
 *
 * @example
 * const outcomes = await settleEach(ids, 20, (id) => leadById(env, id).rescoreIfStale());
 * outcomes.filter((o) => o.status === "rejected").length; // leads that could not be reached
 */
export async function settleEach<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const outcomes: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        outcomes[index] = { status: "fulfilled", value: await task(items[index] as T) };
      } catch (reason) {
        outcomes[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return outcomes;
}
