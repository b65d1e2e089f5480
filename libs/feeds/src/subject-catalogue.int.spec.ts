import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricNameIssue } from '@turnaround/domain';
import { loadMetricCatalogues } from './metric-catalogues';
import { loadSubjectCatalogue } from './subject-catalogue';

describe('subject catalogue as files', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'subjects-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('ships math, ela, reading, writing, science and social studies, with or without SUBJECTS_DIR', async () => {
    const shipped = ['math', 'ela', 'reading', 'writing', 'science', 'social_studies'];
    expect((await loadSubjectCatalogue()).list().map((subject) => subject.name)).toEqual(shipped);
    expect((await loadMetricCatalogues()).subjects.list().map((subject) => subject.name)).toEqual(shipped);
  });

  it("adds a state's own subjects from SUBJECTS_DIR to the shipped ones", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'ma.yaml'), 'subjects:\n  - name: robotics\n    description: robotics and engineering (the state STE test)\n');
    await writeFile(join(dir, 'tx.json'), JSON.stringify({ subjects: [{ name: 'us_history', description: 'U.S. history end-of-course exam' }] }));
    expect(metricNameIssue('proficiency.robotics', await loadMetricCatalogues())).toMatch(/^subject 'robotics' is not in the subject catalogue.*SUBJECTS_DIR/);
    const withState = await loadMetricCatalogues({ subjectsDir: dir });
    expect(metricNameIssue('proficiency.robotics', withState)).toBeUndefined();
    expect(metricNameIssue('scale_score.us_history', withState)).toBeUndefined();
    expect(metricNameIssue('proficiency.math', withState)).toBeUndefined();
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
