import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricNameIssue, subjectCatalogue, useSubjectCatalogue } from '@turnaround/domain';
import { loadSubjectCatalogue, useSubjectsOf } from './subject-catalogue';

describe('subject catalogue as files', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'subjects-'));
    dirs.push(dir);
    return dir;
  };
  const before = subjectCatalogue();
  afterAll(async () => {
    useSubjectCatalogue(before);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('ships math, ela, reading, writing, science and social studies, in force from the start', async () => {
    const shipped = ['math', 'ela', 'reading', 'writing', 'science', 'social_studies'];
    expect((await loadSubjectCatalogue()).list().map((subject) => subject.name)).toEqual(shipped);
    expect(
      subjectCatalogue()
        .list()
        .map((subject) => subject.name),
    ).toEqual(shipped);
  });

  it("adds a state's own subjects from SUBJECTS_DIR and puts them in force", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'ma.yaml'), 'subjects:\n  - name: robotics\n    description: robotics and engineering (the state STE test)\n');
    await writeFile(join(dir, 'tx.json'), JSON.stringify({ subjects: [{ name: 'us_history', description: 'U.S. history end-of-course exam' }] }));
    expect(metricNameIssue('proficiency.robotics')).toMatch(/^subject 'robotics' is not in the subject catalogue.*SUBJECTS_DIR/);
    await useSubjectsOf(dir);
    expect(metricNameIssue('proficiency.robotics')).toBeUndefined();
    expect(metricNameIssue('scale_score.us_history')).toBeUndefined();
    expect(metricNameIssue('proficiency.math')).toBeUndefined();
  });

  it('stops start-up on a broken file or a subject catalogued twice, naming the file and the field', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'broken.yaml'), 'subjects:\n  - name: Robotics\n');
    await expect(loadSubjectCatalogue([dir])).rejects.toThrow(
      /broken\.yaml: subjects\.0\.name: expected a lower-case name.*broken\.yaml: subjects\.0\.description/,
    );
    await writeFile(join(dir, 'broken.yaml'), 'subjects:\n  - name: math\n    description: a second meaning\n');
    await expect(loadSubjectCatalogue([dir])).rejects.toThrow(/broken\.yaml: a subject named 'math' is catalogued already, in the shipped subjects/);
  });
});
