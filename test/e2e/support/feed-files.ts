import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { GRADES, STUDENT_GROUPS } from '@turnaround/domain';

const SUBJECTS = ['math', 'ela'];
/** Distinct (grade, group, subject) slices a school can have: 11 x 14 x 2. */
const SLICES = GRADES.length * STUDENT_GROUPS.length * SUBJECTS.length;

/**
 * Writes a canonical assessment CSV of `rows` distinct records, `perSchool` per school, sorted
 * by school as state extracts are. Deterministic: the same arguments give the same file.
 */
export async function writeAssessmentCsv(path: string, rows: number, perSchool = 200): Promise<void> {
  if (perSchool > SLICES) throw new RangeError(`at most ${SLICES} distinct records per school`);
  const out = createWriteStream(path);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write('schoolId,schoolYear,window,assessment,subject,grade,studentGroup,tested,proficient\n');
  for (let i = 0; i < rows; i++) {
    const school = `S${String(Math.floor(i / perSchool)).padStart(5, '0')}`;
    const slice = i % perSchool;
    const grade = GRADES[slice % GRADES.length];
    const rest = Math.floor(slice / GRADES.length);
    const group = STUDENT_GROUPS[rest % STUDENT_GROUPS.length];
    const subject = SUBJECTS[Math.floor(rest / STUDENT_GROUPS.length)];
    const tested = 20 + (i % 80);
    await write(`${school},2024-25,spring,state_test,${subject},${grade},${group},${tested},${(i * 7) % (tested + 1)}\n`);
  }
  out.end();
  await once(out, 'finish');
}
