import { execFileSync } from 'node:child_process';
import { PYTHON } from '@turnaround/research/testing';

export type Cell = string | number | null;

/** A panel file as a reader nobody here wrote reads it back: its columns, and its rows in order. */
export interface ReadBack {
  columns: string[];
  rows: Cell[][];
}

/** Reads a CSV or .dta file with pandas; numbers as numbers, missing as null, infinity as 'Inf'. */
const PANDAS_READ = `
import json, math, sys, pandas
kind, path, codebook_path = sys.argv[1:4]
codebook = pandas.read_csv(codebook_path, dtype=str, keep_default_na=False)
strings = {c: str for c, t in zip(codebook['column'], codebook['type']) if t == 'string'}
frame = pandas.read_csv(path, dtype=strings, float_precision='round_trip') if kind == 'csv' else pandas.read_stata(path, convert_missing=False)
def cell(v):
    if isinstance(v, str): return v
    if v is None: return None
    v = float(v)
    if math.isnan(v): return None
    if math.isinf(v): return 'Inf'
    return v
print(json.dumps({'columns': list(frame.columns), 'rows': [[cell(v) for v in row] for row in frame.itertuples(index=False)]}))
`;

/** A panel file read with pandas, its text columns typed by its codebook. */
export function readWithPandas(kind: 'csv' | 'dta', file: string, codebook: string): ReadBack {
  return JSON.parse(execFileSync(PYTHON, ['-c', PANDAS_READ, kind, file, codebook], { encoding: 'utf8' })) as ReadBack;
}
