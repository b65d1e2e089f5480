import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fieldIssues, IndicatorCatalogue, IndicatorEntry, indicatorFileSchema, useIndicatorCatalogue, ValidationError } from '@turnaround/domain';

/** The indicators shipped with the service: the SIG leading indicators. */
export const SHIPPED_INDICATORS_DIR = join(__dirname, '..', 'indicators');

const CATALOGUE_FILE = /\.(ya?ml|json)$/;

/**
 * Reads every catalogue file of the given folders (see indicators/README.md), as the vendor
 * profiles are read: a broken file, or an indicator named twice, stops start-up with its path
 * and field.
 */
export async function loadIndicatorCatalogue(dirs: readonly string[] = [SHIPPED_INDICATORS_DIR]): Promise<IndicatorCatalogue> {
  const entries: IndicatorEntry[] = [];
  const seenIn = new Map<string, string>();
  for (const dir of dirs) {
    for (const file of (await readdir(dir)).filter((name) => CATALOGUE_FILE.test(name)).sort()) {
      const path = join(dir, file);
      const text = await readFile(path, 'utf8');
      const parsed = indicatorFileSchema.safeParse(extname(file) === '.json' ? JSON.parse(text) : parseYaml(text));
      if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error).map((issue) => ({ ...issue, field: `${path}: ${issue.field}` })));
      for (const entry of parsed.data.indicators) {
        const earlier = seenIn.get(entry.name);
        if (earlier) throw ValidationError.of(path, `an indicator named '${entry.name}' is catalogued already, in ${earlier}`);
        seenIn.set(entry.name, path);
        entries.push(entry);
      }
    }
  }
  return new IndicatorCatalogue(entries);
}

/**
 * Reads the shipped catalogue and the state's own folder (INDICATORS_DIR) and puts them in
 * force for the process. Every process that judges contracts or computes metrics calls it at
 * start-up, before the first event is read: a target's direction comes from it.
 */
export async function useIndicatorsOf(indicatorsDir?: string): Promise<IndicatorCatalogue> {
  const catalogue = await loadIndicatorCatalogue([SHIPPED_INDICATORS_DIR, ...(indicatorsDir ? [indicatorsDir] : [])]);
  useIndicatorCatalogue(catalogue);
  return catalogue;
}
