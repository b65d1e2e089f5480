import { PanelColumn, PanelValue, ValidationError } from '@turnaround/domain';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { checkedValues } from './panel-values';
import { PanelWriter, PanelWriterOptions } from './panel-writer';
import { endSink, writeChunk } from './sink';

/**
 * Stata .dta, format 118 (Stata 14 and later), little-endian, as documented in Stata's
 * `help dta`: a header, a map of section offsets, the variable types, names, sort list,
 * formats, value-label names and variable labels, then the rows, and empty strL, value-label
 * and characteristics sections. No maintained JavaScript writer exists, so this one writes
 * exactly what the panel needs: str#, byte, long and double variables with labels.
 *
 * A str# variable's width must be in the header, before the rows, and is known only once
 * every row has been seen; so rows go to a spool file as they come (memory holds none of
 * them) and the file is written in one pass, header first, when the panel is complete.
 */
export function dtaPanelWriter(columns: readonly PanelColumn[], sink: Writable, options: PanelWriterOptions): PanelWriter {
  if (options.dataLabel !== undefined && utf8Length(options.dataLabel) > DATA_LABEL_BYTES) {
    throw ValidationError.of('dataLabel', `expected at most ${DATA_LABEL_BYTES} bytes for a Stata data label, got ${utf8Length(options.dataLabel)}`);
  }
  columns.forEach((column, index) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(column.name))
      throw ValidationError.of(`columns.${index}.name`, `expected a Stata name (32 letters, digits or underscores), got '${column.name}'`);
    if (utf8Length(column.label) > 320 || [...column.label].length > 80)
      throw ValidationError.of(`columns.${index}.label`, 'expected a label of at most 80 characters');
  });
  const widths = columns.map(() => 1);
  const spool = openSpool(options.spoolDirectory ?? tmpdir());
  let rows = 0;

  return {
    async write(row) {
      rows += 1;
      const values = checkedValues(columns, row, rows).map((value, index) => {
        if (typeof value === 'string') {
          const width = utf8Length(value);
          if (width > MAX_STR_WIDTH)
            throw new ValidationError([
              { row: rows, field: columns[index].name, message: `expected at most ${MAX_STR_WIDTH} bytes of text for Stata, got ${width}` },
            ]);
          widths[index] = Math.max(widths[index], width);
        }
        // Stata has no infinity: a double past its largest value is missing, so say so plainly.
        return typeof value === 'number' && !Number.isFinite(value) ? null : value;
      });
      await spool.append(JSON.stringify(values));
    },
    async close() {
      try {
        const layout = columns.map((column, index) => variableOf(column, widths[index]));
        const rowWidth = layout.reduce((sum, variable) => sum + variable.width, 0);
        const head = dtaHead(layout, rows, options);
        await writeChunk(sink, head.bytes);
        await writeChunk(sink, ascii('<data>'));
        let chunk: Buffer[] = [];
        for await (const line of spool.lines()) {
          chunk.push(encodeRow(layout, rowWidth, JSON.parse(line) as PanelValue[]));
          if (chunk.length === ROWS_PER_CHUNK) {
            await writeChunk(sink, Buffer.concat(chunk));
            chunk = [];
          }
        }
        await writeChunk(sink, Buffer.concat([...chunk, ascii('</data><strls></strls><value_labels></value_labels></stata_dta>')]));
        await endSink(sink);
      } finally {
        await spool.remove();
      }
    },
  };
}

const DATA_LABEL_BYTES = 320;
const MAX_STR_WIDTH = 2045;
const ROWS_PER_CHUNK = 1000;

/** Stata's storage types and their "system missing" (.) values. */
const BYTE = 65530;
const LONG = 65528;
const DOUBLE = 65526;
const BYTE_MISSING = 101;
const LONG_MISSING = 2147483621;
/** The bytes of a double '.', little-endian: 0x7FE0000000000000. */
const DOUBLE_MISSING = Buffer.from([0, 0, 0, 0, 0, 0, 0xe0, 0x7f]);

interface Variable {
  column: PanelColumn;
  /** 1..2045 for str#, else one of BYTE, LONG, DOUBLE. */
  type: number;
  width: number;
  format: string;
}

function variableOf(column: PanelColumn, stringWidth: number): Variable {
  switch (column.type) {
    case 'string':
      return { column, type: stringWidth, width: stringWidth, format: `%-${stringWidth}s` };
    case 'flag':
      return { column, type: BYTE, width: 1, format: '%8.0g' };
    case 'integer':
      return { column, type: LONG, width: 4, format: '%12.0g' };
    case 'double':
      return { column, type: DOUBLE, width: 8, format: '%10.0g' };
    default: {
      const unknown: never = column.type;
      throw new RangeError(`panel column type ${unknown} has no Stata type`);
    }
  }
}

/** Everything before `<data>`, with the map's offsets filled in: the sizes of the later sections are known by now. */
function dtaHead(variables: readonly Variable[], rows: number, options: PanelWriterOptions): { bytes: Buffer } {
  const count = variables.length;
  const label = Buffer.from(options.dataLabel ?? '', 'utf8');
  const timestamp = options.timestamp ? ascii(stataTimestamp(options.timestamp)) : Buffer.alloc(0);
  const header = Buffer.concat([
    ascii('<stata_dta><header><release>118</release><byteorder>LSF</byteorder><K>'),
    u16(count),
    ascii('</K><N>'),
    u64(rows),
    ascii('</N><label>'),
    u16(label.length),
    label,
    ascii('</label><timestamp>'),
    Buffer.from([timestamp.length]),
    timestamp,
    ascii('</timestamp></header>'),
  ]);
  const sections: [string, Buffer][] = [
    ['variable_types', Buffer.concat(variables.map((variable) => u16(variable.type)))],
    ['varnames', Buffer.concat(variables.map((variable) => fixed(variable.column.name, 129)))],
    ['sortlist', Buffer.alloc(2 * (count + 1))],
    ['formats', Buffer.concat(variables.map((variable) => fixed(variable.format, 57)))],
    ['value_label_names', Buffer.alloc(129 * count)],
    ['variable_labels', Buffer.concat(variables.map((variable) => fixed(variable.column.label, 321)))],
    ['characteristics', Buffer.alloc(0)],
  ];
  const mapStart = header.length;
  const mapLength = '<map>'.length + 14 * 8 + '</map>'.length;
  const offsets: number[] = [];
  let position = mapStart + mapLength;
  for (const [tag, body] of sections) {
    offsets.push(position);
    position += `<${tag}>`.length + body.length + `</${tag}>`.length;
  }
  const dataStart = position;
  const strlsStart = dataStart + '<data>'.length + rows * variables.reduce((sum, variable) => sum + variable.width, 0) + '</data>'.length;
  const valueLabelsStart = strlsStart + '<strls></strls>'.length;
  const closeStart = valueLabelsStart + '<value_labels></value_labels>'.length;
  const map = [0, mapStart, ...offsets, dataStart, strlsStart, valueLabelsStart, closeStart, closeStart + '</stata_dta>'.length];
  return {
    bytes: Buffer.concat([
      header,
      ascii('<map>'),
      ...map.map(u64),
      ascii('</map>'),
      ...sections.flatMap(([tag, body]) => [ascii(`<${tag}>`), body, ascii(`</${tag}>`)]),
    ]),
  };
}

function encodeRow(variables: readonly Variable[], rowWidth: number, values: readonly PanelValue[]): Buffer {
  const row = Buffer.alloc(rowWidth);
  let at = 0;
  variables.forEach((variable, index) => {
    const value = values[index];
    if (variable.type === BYTE) row.writeInt8(value === null ? BYTE_MISSING : (value as number), at);
    else if (variable.type === LONG) row.writeInt32LE(value === null ? LONG_MISSING : (value as number), at);
    else if (variable.type === DOUBLE) {
      if (value === null) DOUBLE_MISSING.copy(row, at);
      else row.writeDoubleLE(value as number, at);
    } else if (value !== null) row.write(value as string, at, variable.width, 'utf8');
    at += variable.width;
  });
  return row;
}

/** "dd Mon yyyy hh:mm", in English whatever the locale, as Stata writes it. */
function stataTimestamp(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}`;
}

/** Text in a fixed, zero-padded field; the last byte always stays zero (Stata's terminator). */
function fixed(text: string, size: number): Buffer {
  const field = Buffer.alloc(size);
  field.write(text, 0, size - 1, 'utf8');
  return field;
}

function ascii(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(value);
  return bytes;
}

function u64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return bytes;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

interface Spool {
  append(line: string): Promise<void>;
  lines(): AsyncIterable<string>;
  remove(): Promise<void>;
}

/** A temporary file of JSON lines, one per row, removed when the export ends. */
function openSpool(directory: string): Spool {
  const folder = mkdtemp(join(directory, 'turnaround-dta-'));
  const file = folder.then((path) => join(path, 'rows.jsonl'));
  const stream = file.then((path) => createWriteStream(path));
  return {
    async append(line) {
      await writeChunk(await stream, `${line}\n`);
    },
    async *lines() {
      await endSink(await stream);
      yield* createInterface({ input: createReadStream(await file), crlfDelay: Infinity });
    },
    async remove() {
      const out = await stream;
      if (!out.closed) out.destroy();
      await rm(await folder, { recursive: true, force: true });
    },
  };
}
