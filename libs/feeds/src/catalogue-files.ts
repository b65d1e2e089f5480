import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { fieldIssues, ValidationError } from '@turnaround/domain';

const CATALOGUE_FILE = /\.(ya?ml|json)$/;

/** What a catalogue's files hold and how a refusal names an entry: `an indicator`, `a subject`. */
export interface CatalogueFormat<File, Entry extends { name: string }> {
  schema: z.ZodType<File>;
  entriesOf(file: File): readonly Entry[];
  noun: string;
}

/**
 * The entries of every catalogue file (YAML or JSON) of the given folders, in file-name order,
 * after the `shipped` ones. A broken file, or a name given twice, stops start-up with its path
 * and field, and says where the name was catalogued first.
 */
export async function readCatalogueFiles<File, Entry extends { name: string }>(
  dirs: readonly string[],
  format: CatalogueFormat<File, Entry>,
  shipped: { entries: readonly Entry[]; from: string } = { entries: [], from: '' },
): Promise<Entry[]> {
  const entries: Entry[] = [...shipped.entries];
  const seenIn = new Map<string, string>(shipped.entries.map((entry) => [entry.name, shipped.from]));
  for (const dir of dirs) {
    for (const file of (await readdir(dir)).filter((name) => CATALOGUE_FILE.test(name)).sort()) {
      const path = join(dir, file);
      const text = await readFile(path, 'utf8');
      const parsed = format.schema.safeParse(extname(file) === '.json' ? JSON.parse(text) : parseYaml(text));
      if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error).map((issue) => ({ ...issue, field: `${path}: ${issue.field}` })));
      for (const entry of format.entriesOf(parsed.data)) {
        const earlier = seenIn.get(entry.name);
        if (earlier) throw ValidationError.of(path, `${format.noun} named '${entry.name}' is catalogued already, in ${earlier}`);
        seenIn.set(entry.name, path);
        entries.push(entry);
      }
    }
  }
  return entries;
}
