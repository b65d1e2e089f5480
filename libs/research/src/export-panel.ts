import { PanelColumn, PanelRow, ValidationError } from '@turnaround/domain';
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { codebookFileFor, writeCodebook } from './codebook';
import { csvPanelWriter } from './csv-panel-writer';
import { dtaPanelWriter } from './dta-panel-writer';
import { parquetPanelWriter } from './parquet-panel-writer';
import { OpenPanelWriter, PANEL_FORMATS, PanelFormat, PanelWriter, PanelWriterOptions } from './panel-writer';

const WRITERS: Record<PanelFormat, OpenPanelWriter> = {
  csv: csvPanelWriter,
  parquet: parquetPanelWriter,
  dta: dtaPanelWriter,
};

/** The file extension and HTTP content type of each format. */
export const PANEL_FILE_TYPES: Record<PanelFormat, { extension: string; contentType: string }> = {
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8' },
  parquet: { extension: 'parquet', contentType: 'application/vnd.apache.parquet' },
  dta: { extension: 'dta', contentType: 'application/x-stata-dta' },
};

export function panelFormat(text: string): PanelFormat {
  const format = PANEL_FORMATS.find((candidate) => candidate === text);
  if (!format) throw ValidationError.of('format', `expected one of ${PANEL_FORMATS.join(', ')}, got '${text}'`);
  return format;
}

export function openPanelWriter(format: PanelFormat, columns: readonly PanelColumn[], sink: Writable, options: PanelWriterOptions = {}): PanelWriter {
  return WRITERS[format](columns, sink, options);
}

/** Streams rows (from a cursor, school by school) into the sink in the format asked; answers how many rows it wrote. */
export async function writePanel(
  format: PanelFormat,
  columns: readonly PanelColumn[],
  rows: AsyncIterable<PanelRow> | Iterable<PanelRow>,
  sink: Writable,
  options: PanelWriterOptions = {},
): Promise<number> {
  const writer = openPanelWriter(format, columns, sink, options);
  let count = 0;
  for await (const row of rows) {
    await writer.write(row);
    count += 1;
  }
  await writer.close();
  return count;
}

/** Writes the panel to a file and its codebook beside it (`panel.dta` and `panel.codebook.csv`). */
export async function exportPanelFile(
  format: PanelFormat,
  columns: readonly PanelColumn[],
  rows: AsyncIterable<PanelRow> | Iterable<PanelRow>,
  file: string,
  options: PanelWriterOptions = {},
): Promise<{ rows: number; file: string; codebookFile: string }> {
  const codebookFile = codebookFileFor(file);
  await writeCodebook(columns, createWriteStream(codebookFile));
  const count = await writePanel(format, columns, rows, createWriteStream(file), options);
  return { rows: count, file, codebookFile };
}
