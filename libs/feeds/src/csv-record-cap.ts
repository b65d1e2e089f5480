import { randomUUID } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { RECORD_BYTES } from './input-limits';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Where the reader is in a CSV record, as csv-parse frames it (RFC 4180: a quote opens only at a field's start, `""` inside quotes is one quote). */
type Place = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

/** A record the cap dropped: its size and the line breaks inside it (the rows after it are that many lines further on). */
export interface OversizedRecord {
  bytes: number;
  lineBreaks: number;
}

/**
 * Sits before csv-parse and holds at most one record of RECORD_BYTES: a longer record is
 * dropped as it streams by and replaced by a one-cell marker record, which `oversizedOf`
 * recognises. csv-parse's own `max_record_size` cannot do this: with `skip_records_with_error`
 * it drops the rest of the file without a word, and without it one long record ends the read.
 * The marker carries a random nonce, so no pushed cell can pass for one.
 */
export class CsvRecordCap extends Transform {
  private readonly marker = `\ue000${randomUUID()}`;
  private place: Place = 'fieldStart';
  /** The current record so far, while it is within the cap. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set while a record beyond the cap streams by. */
  private dropped: OversizedRecord | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let from = 0;
    for (let at = 0; at < chunk.length; at += 1) {
      const byte = chunk[at];
      if (this.dropped && byte === LF) this.dropped.lineBreaks += 1;
      if (!this.ends(byte)) continue;
      // The record ends at this line break: pass it on whole, or a marker when it is beyond the
      // cap; the line break then stays, so csv-parse counts the lines after it as before.
      const tail = chunk.subarray(from, at);
      if (!this.dropped && this.pendingBytes + tail.length > RECORD_BYTES)
        this.dropped = { bytes: this.pendingBytes, lineBreaks: countLineBreaks([...this.pending, tail]) };
      else if (this.dropped && byte === LF) this.dropped.lineBreaks -= 1;
      if (this.dropped) {
        this.push(`"${this.marker} ${this.dropped.bytes + tail.length} ${this.dropped.lineBreaks}"`);
        this.dropped = undefined;
        from = at;
      } else {
        this.push(Buffer.concat([...this.pending, chunk.subarray(from, at + 1)]));
        from = at + 1;
      }
      this.pending = [];
      this.pendingBytes = 0;
    }
    const rest = chunk.subarray(from);
    if (this.dropped) this.dropped.bytes += rest.length;
    else if (this.pendingBytes + rest.length > RECORD_BYTES) {
      this.dropped = { bytes: this.pendingBytes + rest.length, lineBreaks: countLineBreaks(this.pending) + countLineBreaks([rest]) };
      this.pending = [];
      this.pendingBytes = 0;
    } else if (rest.length > 0) {
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.dropped) this.push(`"${this.marker} ${this.dropped.bytes} ${this.dropped.lineBreaks}"`);
    else if (this.pendingBytes > 0) this.push(Buffer.concat(this.pending));
    done();
  }

  /** The dropped record a parsed record stands for, or undefined for a record as pushed. */
  oversizedOf(record: readonly string[]): OversizedRecord | undefined {
    if (record.length !== 1 || !record[0].startsWith(this.marker)) return undefined;
    const [bytes, lineBreaks] = record[0]
      .slice(this.marker.length + 1)
      .split(' ')
      .map(Number);
    return { bytes, lineBreaks };
  }

  /** Moves through one byte; true when it ends the record. */
  private ends(byte: number): boolean {
    switch (this.place) {
      case 'quoted':
        if (byte === QUOTE) this.place = 'quoteInQuoted';
        return false;
      case 'quoteInQuoted':
        if (byte === QUOTE) {
          this.place = 'quoted';
          return false;
        }
        this.place = 'unquoted';
        return this.ends(byte);
      default:
        if (byte === LF || byte === CR) {
          this.place = 'fieldStart';
          return true;
        }
        if (byte === COMMA) this.place = 'fieldStart';
        else this.place = this.place === 'fieldStart' && byte === QUOTE ? 'quoted' : 'unquoted';
        return false;
    }
  }
}

function countLineBreaks(buffers: readonly Buffer[]): number {
  let count = 0;
  for (const buffer of buffers) for (let at = buffer.indexOf(LF); at !== -1; at = buffer.indexOf(LF, at + 1)) count += 1;
  return count;
}
