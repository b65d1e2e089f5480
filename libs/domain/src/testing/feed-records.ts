import { AssessmentResultsReported } from '../events/feed-events';

/** A state-test math result of all of school S1's students, 20 of 40 proficient in 2024-25's spring window; `fields` replace any of it. */
export const mathResult = (fields: Partial<AssessmentResultsReported['data']> = {}): AssessmentResultsReported['data'] => ({
  schoolId: 'S1',
  schoolYear: '2024-25',
  window: 'spring',
  assessment: 'state_test',
  subject: 'math',
  grade: 'all',
  studentGroup: 'all',
  tested: 40,
  proficient: 20,
  suppressed: false,
  ...fields,
});
