/** How long `work` took, in seconds, and what it gave: shared by the bench's parts, each of which times its own work. */
export async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, result };
}

/** The middle value of `values` (the lower of the two middle ones for an even count): a run's figure that one slow run on a shared machine does not move. */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
}
