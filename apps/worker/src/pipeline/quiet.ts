/** Marks a promise's rejection as handled here; awaiting it later still throws. */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
