import { PanelRow, PanelValue, researchPanel, SchoolYearMetric } from '@turnaround/domain';
import { testCatalogues } from '@turnaround/domain/testing';
import { tableFromIPC } from 'apache-arrow';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { readParquet } from 'parquet-wasm';
import { exportPanelFile, openPanelWriter, writePanel } from './index';
import { describeWithPandas, PYTHON } from './testing';

/**
 * Each format is read back by a reader nobody here wrote: pandas (Debian's python3-pandas,
 * installed by .ci/run) for CSV and Stata, and the Rust parquet crate (through parquet-wasm)
 * with Apache Arrow's JavaScript library for Parquet.
 */

const panel = researchPanel({
  metrics: ['proficiency.math', 'indicator.advanced_coursework_rate'],
  nMin: 10,
  catalogues: testCatalogues(),
  memberships: [{ schoolId: 'S1', clusterId: 'clúster-1', zoneId: 'z1', fromYear: '2022-23', untilYear: null }],
  contracts: [{ contractId: 'k1', partnerId: 'p1', clusterId: 'clúster-1', zoneId: 'z1', schoolIds: ['S1'], startYear: '2023-24', termYears: 3 }],
});

const value = (schoolYear: string, metric: string, numerator: number | null, denominator: number | null, suppressed = false): SchoolYearMetric => ({
  schoolYear,
  metric,
  numerator,
  denominator,
  suppressed,
});

const rows: PanelRow[] = [
  ...panel.rowsOfSchool({ schoolId: 'S1', districtId: 'd1' }, [
    value('2022-23', 'proficiency.math', 40, 120),
    value('2023-24', 'proficiency.math', null, null, true),
    value('2024-25', 'proficiency.math', 1, 3),
    value('2024-25', 'indicator.advanced_coursework_rate', 7, 9),
  ]),
  // A district id with a comma and a quote, and a school known from feeds alone.
  ...panel.rowsOfSchool({ schoolId: '0042', districtId: 'd,"2"' }, [value('2023-24', 'proficiency.math', 123456789, 987654321)]),
  ...panel.rowsOfSchool({ schoolId: 'S9', districtId: null }, [value('2024-25', 'indicator.advanced_coursework_rate', 0, 0)]),
];

const READ_BACK = `
import json, math, sys, pandas
kind, path, codebook_path = sys.argv[1:4]
codebook = pandas.read_csv(codebook_path, dtype=str, keep_default_na=False)
strings = {c: str for c, t in zip(codebook['column'], codebook['type']) if t == 'string'}
labels = None
if kind == 'csv':
    frame = pandas.read_csv(path, dtype=strings, float_precision='round_trip')
else:
    with pandas.io.stata.StataReader(path) as reader:
        frame = reader.read(convert_missing=False)
        labels = reader.variable_labels()
        data_label = reader.data_label
def cell(v):
    if isinstance(v, str): return v
    if v is None: return None
    v = float(v)
    if math.isnan(v): return None
    if math.isinf(v): return 'Inf' if v > 0 else '-Inf'
    return v
print(json.dumps({
    'columns': list(frame.columns),
    'rows': [[cell(v) for v in row] for row in frame.itertuples(index=False)],
    'labels': labels,
    'dataLabel': data_label if labels is not None else None,
    'codebook': codebook.to_dict(orient='records'),
}))
`;

interface ReadBack {
  columns: string[];
  rows: PanelValue[][];
  labels: Record<string, string> | null;
  dataLabel: string | null;
  codebook: { column: string; label: string; type: string; rule: string }[];
}

function readWithPandas(kind: 'csv' | 'dta', file: string, codebookFile: string): ReadBack {
  return JSON.parse(execFileSync(PYTHON, ['-c', READ_BACK, kind, file, codebookFile], { encoding: 'utf8' })) as ReadBack;
}

const names = panel.columns.map((column) => column.name);
const asCells = (row: PanelRow, cell: (value: PanelValue) => PanelValue = (v) => v) => names.map((name) => cell(row[name]));

describeWithPandas('panel exports read back by readers from other projects', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'panel-export-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('CSV: pandas.read_csv reads every value back, missing as missing and Inf as infinity; the codebook lies beside it', async () => {
    const written = await exportPanelFile('csv', panel.columns, rows, join(folder, 'panel.csv'));
    expect(written).toEqual({ rows: 5, file: join(folder, 'panel.csv'), codebookFile: join(folder, 'panel.codebook.csv') });
    const back = readWithPandas('csv', written.file, written.codebookFile);
    expect(back.columns).toEqual(names);
    expect(back.rows).toEqual(rows.map((row) => asCells(row, (v) => (v === Infinity ? 'Inf' : v))));
    expect(back.codebook).toEqual(panel.columns.map((column) => ({ column: column.name, label: column.label, type: column.type, rule: column.rule })));
  });

  it('Stata .dta 118: pandas.read_stata reads the values and the variable labels', async () => {
    const written = await exportPanelFile('dta', panel.columns, rows, join(folder, 'panel.dta'), {
      dataLabel: 'Research panel as of 2025-09-01',
      timestamp: new Date('2025-09-01T12:30:00Z'),
    });
    const back = readWithPandas('dta', written.file, written.codebookFile);
    expect(back.columns).toEqual(names);
    // Stata has no missing text (an empty string stands for it) and no infinity (missing, which
    // Stata sorts above every number, stands for g_inf of a never-treated school).
    expect(back.rows).toEqual(
      rows.map((row) =>
        names.map((name, index) => {
          const cell = row[name];
          if (panel.columns[index].type === 'string') return cell ?? '';
          return cell === Infinity ? null : cell;
        }),
      ),
    );
    expect(back.labels).toEqual(Object.fromEntries(panel.columns.map((column) => [column.name, column.label])));
    expect(back.dataLabel).toBe('Research panel as of 2025-09-01');
  });

  it('Parquet: the Rust parquet reader gives back every value, Inf included', async () => {
    const written = await exportPanelFile('parquet', panel.columns, rows, join(folder, 'panel.parquet'), { rowGroupSize: 2 });
    const table = tableFromIPC(readParquet(await readFile(written.file)).intoIPCStream());
    expect(table.schema.fields.map((field) => field.name)).toEqual(names);
    expect(table.toArray().map((row) => names.map((name) => row.toJSON()[name]))).toEqual(rows.map((row) => asCells(row)));
  });

  it('hands rows on as it goes: CSV in chunks and Parquet by row group, before the panel ends', async () => {
    const many = Array.from({ length: 3000 }, (_, index) => ({ ...rows[0], school_id: `S${index}` }));
    for (const format of ['csv', 'parquet'] as const) {
      const received: number[] = [];
      const sink = new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          received.push(chunk.length);
          done();
        },
      });
      const writer = openPanelWriter(format, panel.columns, sink, { rowGroupSize: 1000 });
      for (const row of many) await writer.write(row);
      expect(received.length).toBeGreaterThan(1);
      await writer.close();
    }
  });

  it('the .dta spool file is gone once the export is written', async () => {
    const spoolDirectory = await mkdtemp(join(folder, 'spool-'));
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    expect(await writePanel('dta', panel.columns, rows, sink, { spoolDirectory })).toBe(5);
    expect(await readdir(spoolDirectory)).toEqual([]);
  });

  it('refuses a row that does not fit its columns, naming the row and the column', async () => {
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    await expect(writePanel('csv', panel.columns, [rows[0], { ...rows[1], treated: 2 }], sink)).rejects.toThrow('row 2: treated: expected 0 or 1, got 2');
  });
});
