import { SHIPPED_SUBJECTS, SubjectCatalogue, SubjectEntry, subjectFileSchema } from '@turnaround/domain';
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
