import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { FieldIssue, MappedRow, RowMapper, ValidationError } from '@turnaround/domain';
import { CHUNK_ROWS, CheckedRow } from './chunk-pipeline';
import { CsvRecordCap } from './csv-record-cap';
import { excerpt, keptRecord, RECORD_BYTES, textIssue } from './input-limits';

/** Rows read between yields to the event loop while a chunk is being stored. */
const YIELD_ROWS = 64;

/**
 * A CSV file read a chunk of rows at a time, never held whole. The header row names the
 * columns and `mapHeader` turns it into the mapper of the data rows, or refuses it with a
 * ValidationError; every data row comes out mapped, skipped or rejected with its line number.
 */
export class CsvSource {
  /** Why the file was refused as a whole, once `chunks()` has ended; undefined when it was read. */
  refused: FieldIssue[] | undefined;

  constructor(
    private readonly input: Readable,
    private readonly mapHeader: (header: string[]) => RowMapper,
  ) {}

  /** The data rows in chunks of CHUNK_ROWS; an unreadable file throws a ValidationError. */
  async *chunks(): AsyncGenerator<CheckedRow[]> {
    const cap = new CsvRecordCap();
    const parser = this.input.pipe(cap).pipe(parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, skip_records_with_error: true }));
    // Line breaks inside records the cap dropped: csv-parse never saw them, the data team's file has them.
    let lineShift = 0;
    // A malformed record (an unclosed quote, say) is reported as a rejected row; reading goes on.
    let chunk: CheckedRow[] = [];
    parser.on('skip', (error: CsvError & { lines: number }) => {
      const row = error.lines + lineShift;
      chunk.push({ row, raw: null, mapped: { kind: 'rejected', issues: [{ row, field: '(row)', message: `malformed CSV: ${error.message}` }] } });
    });
    let header: string[] | undefined;
    let mapRow: RowMapper | undefined;
    const refuse = (issues: FieldIssue[]) => {
      this.refused = issues.map((issue) => ({ row: 1, ...issue }));
      parser.destroy();
      this.input.unpipe(cap);
      this.input.resume(); // drain what the client still sends, so it gets the answer rather than a reset
    };
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        const oversized = cap.oversizedOf(record);
        const row = info.lines + lineShift + (oversized?.lineBreaks ?? 0);
        lineShift += oversized?.lineBreaks ?? 0;
        if (!mapRow || !header) {
          if (oversized) return refuse([{ field: '(header)', message: `expected a header row of at most ${RECORD_BYTES} bytes, got ${oversized.bytes}` }]);
          header = record.map((column) => column.trim());
          const unstorable = header.flatMap((column) => {
            const message = textIssue(column);
            return message ? [{ field: excerpt(column), message: `column name: ${message}` }] : [];
          });
          if (unstorable.length > 0) return refuse(unstorable);
          try {
            mapRow = this.mapHeader(header);
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            return refuse(error.issues);
          }
          continue;
        }
        const mapped = oversized
          ? rejectedRow(row, '(row)', `expected a record of at most ${RECORD_BYTES} bytes, got ${oversized.bytes}: it was not read`)
          : this.check(header, mapRow, record, row);
        // A rejected row is kept as column -> cell (cut to an excerpt), the way its reason names it.
        chunk.push({
          row,
          raw: mapped.kind === 'rejected' && !oversized ? keptRecord(Object.fromEntries(header.map((column, index) => [column, record[index]]))) : null,
          mapped,
        });
        // The parser hands over a whole buffer of rows without returning to the event loop; a
        // short yield now and then lets the chunk being stored meanwhile make its round trips.
        if (chunk.length % YIELD_ROWS === 0) await new Promise(setImmediate);
        if (chunk.length >= CHUNK_ROWS) {
          yield chunk;
          chunk = [];
        }
      }
    } catch (error) {
      throw error instanceof CsvError ? ValidationError.of('(file)', `unreadable CSV: ${error.message}`) : error;
    }
    if (chunk.length > 0) yield chunk;
    if (!header) this.refused = [{ row: 1, field: '(file)', message: 'expected a header row naming the columns' }];
  }

  /** A data row mapped, once its cells are known to be storable and as many as the header's. */
  private check(header: readonly string[], mapRow: RowMapper, record: readonly string[], row: number): MappedRow {
    if (record.length !== header.length) return rejectedRow(row, '(row)', `expected ${header.length} cells as in the header, got ${record.length}`);
    const issues = record.flatMap((cell, index) => {
      const message = textIssue(cell);
      return message ? [{ row, field: header[index], message }] : [];
    });
    return issues.length > 0 ? { kind: 'rejected', issues } : mapRow(record, row);
  }
}

function rejectedRow(row: number, field: string, message: string): MappedRow {
  return { kind: 'rejected', issues: [{ row, field, message }] };
}
