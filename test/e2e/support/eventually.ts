/** Polls until `check` passes: projections and the alerting service work asynchronously. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => void, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      check(value);
      return value;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
