import { Checkpoint } from './event-store.port';

/**
 * A checkpoint made of two whole numbers, major first, each written in 20 decimal digits, so
 * that string order is numeric order: (transaction id, sequence) on PostgreSQL, (commit,
 * prepare) on EventStoreDB.
 */
export function pairCheckpoint(major: bigint | string | number, minor: bigint | string | number): Checkpoint {
  return `${String(major).padStart(20, '0')}:${String(minor).padStart(20, '0')}` as Checkpoint;
}

export function parsePairCheckpoint(checkpoint: Checkpoint): [bigint, bigint] {
  const match = /^(\d{20}):(\d{20})$/.exec(checkpoint);
  if (!match) throw new RangeError(`not a checkpoint of this event store: '${checkpoint}'`);
  return [BigInt(match[1]), BigInt(match[2])];
}
