// A value read at scrape time that is too dear to read at every scrape (the sessions estimate
// costs a thousand Redis commands per master): read at most once per `ttlMs`, by one caller at a
// time (scrapes that arrive while a read is under way share it). A failed read is not kept: the
// next scrape tries again.

export function cachedFor<T>(ttlMs: number, read: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let kept: { value: T; at: number } | undefined;
  let reading: Promise<T> | undefined;
  return () => {
    if (kept && now() - kept.at < ttlMs) return Promise.resolve(kept.value);
    reading ??= read().then(
      (value) => {
        kept = { value, at: now() };
        reading = undefined;
        return value;
      },
      (error: unknown) => {
        reading = undefined;
        throw error;
      },
    );
    return reading;
  };
}
