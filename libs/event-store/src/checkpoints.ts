import { Checkpoint } from './event-store.port';

/**
 * Checkpoints are two whole numbers, major first, each written in 20 decimal digits, so that
 * string order is numeric order: (transaction id, sequence) on PostgreSQL, (commit, prepare) on
 * KurrentDB. Both would look alike, and a projection's stored PostgreSQL checkpoint would be
 * taken for a `$all` position once EVENTSTORE_URL is set; so KurrentDB's carry a tag. PostgreSQL's
 * keep the untagged form they always had: the checkpoints already stored in
 * projection_checkpoints (and the log positions kept in read-model rows) stay valid as they are.
 */
const KURRENTDB_TAG = 'kurrentdb:';

const PAIR = /^(\d{20}):(\d{20})$/;

export type EventStoreKind = 'PostgreSQL' | 'KurrentDB';

/** A checkpoint handed to a store that did not make it. */
export class ForeignCheckpointError extends Error {
  constructor(
    readonly checkpoint: string,
    readonly store: EventStoreKind,
    madeBy: string,
  ) {
    const expected = store === 'KurrentDB' ? `'${KURRENTDB_TAG}' and two 20-digit numbers joined by a colon` : 'two 20-digit numbers joined by a colon';
    super(
      `the ${store} event store was handed checkpoint '${checkpoint}', which is ${madeBy}; it expects ${expected}. ` +
        "A checkpoint is a position in one store's log: after switching the event store (EVENTSTORE_URL), rebuild the read model from the new log with `turnaround replay`",
    );
    this.name = 'ForeignCheckpointError';
  }
}

export function postgresCheckpoint(transactionId: bigint | string | number, sequence: bigint | string | number): Checkpoint {
  return pair(transactionId, sequence);
}

export function parsePostgresCheckpoint(checkpoint: Checkpoint): [bigint, bigint] {
  const match = PAIR.exec(checkpoint);
  if (match) return [BigInt(match[1]), BigInt(match[2])];
  throw new ForeignCheckpointError(checkpoint, 'PostgreSQL', checkpoint.startsWith(KURRENTDB_TAG) ? 'a KurrentDB checkpoint' : "neither store's");
}

export function kurrentDbCheckpoint(commit: bigint, prepare: bigint): Checkpoint {
  return `${KURRENTDB_TAG}${pair(commit, prepare)}` as Checkpoint;
}

export function parseKurrentDbCheckpoint(checkpoint: Checkpoint): { commit: bigint; prepare: bigint } {
  const match = checkpoint.startsWith(KURRENTDB_TAG) ? PAIR.exec(checkpoint.slice(KURRENTDB_TAG.length)) : null;
  if (match) return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
  const madeBy = PAIR.test(checkpoint) ? 'a PostgreSQL checkpoint (or one this adapter stored before its checkpoints were tagged)' : "neither store's";
  throw new ForeignCheckpointError(checkpoint, 'KurrentDB', madeBy);
}

function pair(major: bigint | string | number, minor: bigint | string | number): Checkpoint {
  return `${String(major).padStart(20, '0')}:${String(minor).padStart(20, '0')}` as Checkpoint;
}
