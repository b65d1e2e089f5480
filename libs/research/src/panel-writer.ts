import { PanelColumn, PanelRow } from '@turnaround/domain';
import { Writable } from 'node:stream';

export const PANEL_FORMATS = ['csv', 'parquet', 'dta'] as const;
export type PanelFormat = (typeof PANEL_FORMATS)[number];

/**
 * Takes the panel one row at a time and hands it on in chunks (CSV lines, Parquet row groups,
 * Stata rows), so that a whole state's panel is never held in memory.
 */
export interface PanelWriter {
  write(row: PanelRow): Promise<void>;
  /** Writes what the format keeps for the end, then ends the sink. */
  close(): Promise<void>;
}

export interface PanelWriterOptions {
  /** Rows per Parquet row group. */
  rowGroupSize?: number;
  /** The .dta data label (80 characters at most), e.g. what the panel holds and as of when. */
  dataLabel?: string;
  /** The .dta time stamp; left empty when not given, so the same panel gives the same bytes. */
  timestamp?: Date;
  /** Where the .dta writer keeps its rows until it knows the string widths; the system's temporary folder by default. */
  spoolDirectory?: string;
}

export type OpenPanelWriter = (columns: readonly PanelColumn[], sink: Writable, options: PanelWriterOptions) => PanelWriter;
