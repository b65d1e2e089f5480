import { z } from 'zod';
import { slugSchema } from '../events/event';
import { NamedCatalogue } from './named-catalogue';

/**
 * The subject catalogue: the subjects whose `proficiency.{subject}`, `scale_score.{subject}` and
 * `interim_proficiency.{subject}` a contract may target and a researcher may ask for. Without
 * it any well-formed name passed, so `proficiency.maths` was a target that stayed pending for
 * ever. The shipped subjects below are always in the catalogue; a state adds its own as data
 * (SUBJECTS_DIR, read once at start-up by libs/feeds and passed where it is used), as it adds
 * indicators.
 *
 * Feeds are never refused for a subject: a record of a subject outside the catalogue is stored,
 * computed and shown like any other, and its metric definition is flagged `uncatalogued`.
 */
export const subjectEntrySchema = z.strictObject({
  name: slugSchema,
  description: z.string().min(1, 'expected what the subject covers, as a data team would recognise it'),
});
export type SubjectEntry = z.infer<typeof subjectEntrySchema>;

/** One catalogue file: a list of entries. */
export const subjectFileSchema = z.strictObject({ subjects: z.array(subjectEntrySchema).min(1, 'expected at least one subject') });

/** The subjects every state tests and reports, under the names the shipped profiles and the demo use. */
export const SHIPPED_SUBJECTS: readonly SubjectEntry[] = [
  { name: 'math', description: 'mathematics' },
  { name: 'ela', description: 'English language arts (reading and writing together)' },
  { name: 'reading', description: 'reading, where a state tests it apart from writing' },
  { name: 'writing', description: 'writing, where a state tests it apart from reading' },
  { name: 'science', description: 'science' },
  { name: 'social_studies', description: 'social studies (history, civics, geography)' },
];

export class SubjectCatalogue extends NamedCatalogue<SubjectEntry> {
  constructor(entries: readonly SubjectEntry[]) {
    super(entries, 'subjects', 'a subject');
  }
}
