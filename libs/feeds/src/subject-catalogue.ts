import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fieldIssues, SHIPPED_SUBJECTS, SubjectCatalogue, SubjectEntry, subjectFileSchema, useSubjectCatalogue, ValidationError } from '@turnaround/domain';

const CATALOGUE_FILE = /\.(ya?ml|json)$/;

/**
 * The shipped subjects (SHIPPED_SUBJECTS) and every catalogue file of the given folders, read
 * as the indicator catalogue is: `subjects: [{name, description}]` in YAML or JSON. A broken
 * file, or a subject named twice, stops start-up with its path and field.
 */
export async function loadSubjectCatalogue(dirs: readonly string[] = []): Promise<SubjectCatalogue> {
  const entries: SubjectEntry[] = [...SHIPPED_SUBJECTS];
  const seenIn = new Map<string, string>(SHIPPED_SUBJECTS.map((entry) => [entry.name, 'the shipped subjects']));
  for (const dir of dirs) {
    for (const file of (await readdir(dir)).filter((name) => CATALOGUE_FILE.test(name)).sort()) {
      const path = join(dir, file);
      const text = await readFile(path, 'utf8');
      const parsed = subjectFileSchema.safeParse(extname(file) === '.json' ? JSON.parse(text) : parseYaml(text));
      if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error).map((issue) => ({ ...issue, field: `${path}: ${issue.field}` })));
      for (const entry of parsed.data.subjects) {
        const earlier = seenIn.get(entry.name);
        if (earlier) throw ValidationError.of(path, `a subject named '${entry.name}' is catalogued already, in ${earlier}`);
        seenIn.set(entry.name, path);
        entries.push(entry);
      }
    }
  }
  return new SubjectCatalogue(entries);
}

/**
 * Puts the shipped subjects and the state's own (SUBJECTS_DIR) in force for the process, before
 * any contract is judged or research request read: a subject outside them may not be targeted
 * or asked for.
 */
export async function useSubjectsOf(subjectsDir?: string): Promise<SubjectCatalogue> {
  const catalogue = await loadSubjectCatalogue(subjectsDir ? [subjectsDir] : []);
  useSubjectCatalogue(catalogue);
  return catalogue;
}
