// Waiting on a condition instead of sleeping a guessed amount of time: checks often, returns as
// soon as it holds, and fails with the last value seen when it does not within the bound.
export async function waitFor<T>(probe: () => Promise<T>, holds: (value: T) => boolean, { within = 2_000, every = 20, what = 'the condition' } = {}): Promise<T> {
  const deadline = Date.now() + within;
  for (;;) {
    const value = await probe();
    if (holds(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${within} ms; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
