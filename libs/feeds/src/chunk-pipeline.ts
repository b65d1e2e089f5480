import { MappedRow } from '@turnaround/domain';

/** Rows validated and stored together: big enough to amortise a stream load, small enough to bound memory. */
export const CHUNK_ROWS = 1000;

/** One pushed row as read and checked. */
export interface CheckedRow {
  /** Its row number: the CSV line, or the record's place in the array from 1. */
  row: number;
  /** What its rejection keeps of the row as pushed (`keptRecord`); null when it was not rejected. */
  raw: unknown;
  mapped: MappedRow;
}

/**
 * Stores a push's chunks in order, one at a time, while the caller reads and checks the next
 * one: the parsing and validation overlap the database's work on the chunk before. `push`
 * waits for the chunk before (and throws its error); `drain` waits for the last.
 */
export class ChunkPipeline {
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly write: (rows: readonly CheckedRow[]) => Promise<void>) {}

  async push(rows: readonly CheckedRow[]): Promise<void> {
    await this.writing;
    this.writing = this.write(rows);
    this.writing.catch(() => undefined); // its error reaches the next push or drain
  }

  drain(): Promise<void> {
    return this.writing;
  }

  /** After a failure: no write may still run when the batch is marked failed. */
  settle(): Promise<void> {
    return this.writing.catch(() => undefined);
  }
}
