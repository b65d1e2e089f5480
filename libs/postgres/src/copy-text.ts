import { quoteIdentifier } from './sql-client';

/** A value COPY can load: text, a number, a boolean, NULL, or an object written as its JSON (json and jsonb columns). */
export type CopyValue = string | number | boolean | null | object;

/** What COPY's text format escapes inside a value; JSON text holds backslashes, the rest only in odd data. */
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Rows in the text format of `COPY ... FROM STDIN` (PostgreSQL's default): a tab between values,
 * a newline after each row, `\N` for NULL. Both adapters' `copyFrom` load this.
 */
export function copyText(rows: Iterable<readonly CopyValue[]>): string {
  let text = '';
  for (const row of rows) text += `${row.map(copyField).join('\t')}\n`;
  return text;
}

/** How many rows each piece of a streamed COPY's text holds. */
const ROWS_A_PIECE = 500;

/**
 * The same text as `copyText`, in pieces of a few hundred rows, each built as the stream asks
 * for it: the server loads one piece while the next is built, and the text is never held whole.
 */
export function* copyPieces(rows: Iterable<readonly CopyValue[]>): Generator<string> {
  let piece: (readonly CopyValue[])[] = [];
  for (const row of rows) {
    piece.push(row);
    if (piece.length === ROWS_A_PIECE) {
      yield copyText(piece);
      piece = [];
    }
  }
  if (piece.length > 0) yield copyText(piece);
}

function copyField(value: CopyValue): string {
  if (value === null) return '\\N';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return SPECIAL.test(text) ? text.replace(SPECIALS, (character) => ESCAPES[character]) : text;
}

/** A text[] value as PostgreSQL's array literal (`{"a","b"}`), each element quoted and escaped. */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, (character) => `\\${character}`)}"`).join(',')}}`;
}

/** The statement that loads `columns` of `table` (resolved by the search path) from the client. */
export function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `COPY ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) FROM ${source}`;
}
