import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { FieldIssue, MappedRow, RowMapper, ValidationError } from '@turnaround/domain';
import { CHUNK_ROWS, CheckedRow } from './chunk-pipeline';

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
    const parser = this.input.pipe(parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, skip_records_with_error: true }));
    // A malformed record (an unclosed quote, say) is reported as a rejected row; reading goes on.
    let chunk: CheckedRow[] = [];
    parser.on('skip', (error: CsvError & { lines: number }) => {
      const issue = { row: error.lines, field: '(row)', message: `malformed CSV: ${error.message}` };
      chunk.push({ row: error.lines, raw: null, mapped: { kind: 'rejected', issues: [issue] } });
    });
    let header: string[] | undefined;
    let mapRow: RowMapper | undefined;
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (!mapRow || !header) {
          header = record.map((column) => column.trim());
          try {
            mapRow = this.mapHeader(header);
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            this.refused = error.issues.map((issue) => ({ row: 1, ...issue }));
            parser.destroy();
            this.input.resume(); // drain what the client still sends, so it gets the answer rather than a reset
            return;
          }
          continue;
        }
        const mapped: MappedRow =
          record.length === header.length
            ? mapRow(record, info.lines)
            : { kind: 'rejected', issues: [{ row: info.lines, field: '(row)', message: `expected ${header.length} cells as in the header, got ${record.length}` }] };
        // A rejected row is kept as column -> cell, the way its reason names it.
        chunk.push({ row: info.lines, raw: mapped.kind === 'rejected' ? Object.fromEntries(header.map((column, index) => [column, record[index]])) : null, mapped });
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
}
