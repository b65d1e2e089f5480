import { PanelColumn } from '@turnaround/domain';
import { Writable } from 'node:stream';
import { csvLine } from './csv-panel-writer';
import { endSink, writeChunk } from './sink';

/** The codebook beside every export: each column, its label, its storage type and the rule behind it. */
export async function writeCodebook(columns: readonly PanelColumn[], sink: Writable): Promise<void> {
  await writeChunk(
    sink,
    csvLine(['column', 'label', 'type', 'rule']) + columns.map((column) => csvLine([column.name, column.label, column.type, column.rule])).join(''),
  );
  await endSink(sink);
}

/** `panel.dta` -> `panel.codebook.csv`: the codebook's file beside an export. */
export function codebookFileFor(exportFile: string): string {
  return exportFile.replace(/(\.[^./\\]*)?$/, '.codebook.csv');
}
