import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@turnaround/all-in-one';
import { createPgliteClient } from '@turnaround/postgres';
import { writeAssessmentCsv } from './support/feed-files';
import { turnaround } from './support/cli';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { httpClient } from './support/http-client';

jest.setTimeout(240_000);

const FIXTURES = join(__dirname, '..', '..', 'libs', 'feeds', 'fixtures');

/** The feed facts in the log: every event but the pushes' `FeedBatchClosed` markers. */
async function countEvents(dataDir: string): Promise<number> {
  const sql = await createPgliteClient(join(dataDir, 'pglite'));
  try {
    const [{ count }] = await sql.query<{ count: number }>(`SELECT count(*)::int AS count FROM es_events WHERE event_type <> 'FeedBatchClosed'`);
    return count;
  } finally {
    await sql.close();
  }
}

describe('turnaround ingest (the CLI) on the embedded default', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnaround-cli-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('stores a 100,000-row file once, and appends nothing when it is pushed again', async () => {
    const dataDir = tempDir();
    const file = join(tempDir(), 'assessment-100k.csv');
    await writeAssessmentCsv(file, 100_000);

    const first = await turnaround(['ingest', 'assessment', file], { DATA_DIR: dataDir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/assessment with profile canonical, completed\n {2}accepted {4}100000\n {2}duplicates {2}0/);
    expect(await countEvents(dataDir)).toBe(100_000);

    const second = await turnaround(['ingest', 'assessment', file], { DATA_DIR: dataDir });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/accepted {4}0\n {2}duplicates {2}100000/);
    expect(await countEvents(dataDir)).toBe(100_000);
  });

  it('exits 1 and prints each rejected row when rows were rejected', async () => {
    const result = await turnaround(['ingest', 'attendance', join(FIXTURES, 'attendance-canonical.csv')], { DATA_DIR: tempDir() });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('rejected    4 rows');
    expect(result.stdout).toContain('row 3: attendanceDays: expected at most membershipDays (9900), got 9950');
  });

  it('checks a file with --dry-run: stores nothing, and prints the counts the push then gives', async () => {
    const dataDir = tempDir();
    const file = join(FIXTURES, 'attendance-canonical.csv');
    const dry = await turnaround(['ingest', 'attendance', file, '--dry-run'], { DATA_DIR: dataDir });
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(/^dry run: attendance with profile canonical, completed; nothing was stored/);
    expect(await countEvents(dataDir)).toBe(0);
    const pushed = await turnaround(['ingest', 'attendance', file], { DATA_DIR: dataDir });
    const counts = (stdout: string) => stdout.split('\n').filter((line) => /^ {2}(accepted|duplicates|restated|reinstated|skipped|rejected) /.test(line));
    expect(counts(pushed.stdout)).toEqual(counts(dry.stdout));
    expect(counts(dry.stdout)).toContain('  rejected    4 rows');
    expect(pushed.stdout).toMatch(/warnings {4}\d+\n {2}row \d+: schoolId: school '[^']+' is not registered/);
    expect(await countEvents(dataDir)).toBeGreaterThan(0);
  });

  it('sends to a running service with --server, and refuses to open a database the service holds', async () => {
    const dataDir = tempDir();
    const app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    try {
      const { base } = await httpClient(app);
      const sent = await turnaround(['ingest', 'assessment', join(FIXTURES, 'nyc-doe-math-sample.csv'), '--profile', 'nyc-doe-math', '--server', base], {
        TURNAROUND_KEY: TEST_STATE_KEY,
      });
      expect(sent.code).toBe(1);
      expect(sent.stdout).toMatch(/accepted {4}5\n/);
      expect(sent.stdout).toContain("row 9: Number Tested (tested): expected a number, got 'thirty'");

      const clash = await turnaround(['ingest', 'assessment', join(FIXTURES, 'nyc-doe-math-sample.csv')], { DATA_DIR: dataDir });
      expect(clash.code).toBe(2);
      expect(clash.stderr).toMatch(/is in use by process \d+ \(a running turnaround-monitor\?\).*--server/);
    } finally {
      await app.close();
    }
  });
});
