import { PanelColumn, PanelValue } from '@turnaround/domain';
import { Writable } from 'node:stream';
import { checkedValues } from './panel-values';
import { PanelWriter } from './panel-writer';
import { endSink, writeChunk } from './sink';

/** Lines are gathered up to this many characters before they go to the sink. */
const CHUNK_CHARACTERS = 64 * 1024;

/**
 * RFC 4180 CSV with a header row of the column names. Missing is an empty cell; infinity is
 * `Inf`, which R's read.csv and pandas.read_csv both read as a number.
 */
export function csvPanelWriter(columns: readonly PanelColumn[], sink: Writable): PanelWriter {
  let pending = csvLine(columns.map((column) => column.name));
  let rowNumber = 0;
  return {
    async write(row) {
      rowNumber += 1;
      pending += csvLine(checkedValues(columns, row, rowNumber).map(csvCell));
      if (pending.length >= CHUNK_CHARACTERS) {
        const chunk = pending;
        pending = '';
        await writeChunk(sink, chunk);
      }
    },
    async close() {
      await writeChunk(sink, pending);
      await endSink(sink);
    },
  };
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(quoted).join(',')}\r\n`;
}

function csvCell(value: PanelValue): string {
  if (value === null) return '';
  if (value === Infinity) return 'Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function quoted(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
