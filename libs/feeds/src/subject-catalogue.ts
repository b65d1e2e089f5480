import { SHIPPED_SUBJECTS, SubjectCatalogue, SubjectEntry, subjectFileSchema, useSubjectCatalogue } from '@turnaround/domain';
import { readCatalogueFiles } from './catalogue-files';

/**
 * The shipped subjects (SHIPPED_SUBJECTS) and every catalogue file of the given folders, read
 * as the indicator catalogue is: `subjects: [{name, description}]` in YAML or JSON. A broken
 * file, or a subject named twice, stops start-up with its path and field.
 */
export async function loadSubjectCatalogue(dirs: readonly string[] = []): Promise<SubjectCatalogue> {
  const format = { schema: subjectFileSchema, entriesOf: (file: { subjects: SubjectEntry[] }) => file.subjects, noun: 'a subject' };
  return new SubjectCatalogue(await readCatalogueFiles(dirs, format, { entries: SHIPPED_SUBJECTS, from: 'the shipped subjects' }));
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
