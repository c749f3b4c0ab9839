/**
 * Starts making something now that is needed later (the after-checks' fresh sandbox, made while
 * the agent works): the first call gets the early one, later calls (or a failed early one) make a
 * new one. Whatever the early one holds is cleaned up by whoever tracks what `make` makes.
 */
export function prefetched<T>(make: () => Promise<T>): () => Promise<T> {
  let early: Promise<T> | null = make();
  // Not awaited until it is asked for: a failure then is answered by making it again.
  early.catch(() => undefined);
  return async () => {
    const taken = early;
    early = null;
    if (taken) {
      try {
        return await taken;
      } catch {
        // Made again below: the early attempt may have failed for a reason that has passed.
      }
    }
    return make();
  };
}
