import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { createApp } from '@turnaround/all-in-one';
import { DEMO_SCIENCE_EFFECT } from '@turnaround/demo';
import { ApiKeys, ReadModelRunner } from '@turnaround/platform';
import { createPgliteClient } from '@turnaround/postgres';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { loadDemo } from './support/demo';
import { turnaround } from './support/cli';
import { httpClient } from './support/http-client';
import { Cell, readWithPandas as pandas, ReadBack } from './support/pandas';
import { describeWithPandas, PYTHON } from '@turnaround/research/testing';

jest.setTimeout(300_000);

/**
 * A researcher takes the demo zone's panel over HTTP and from the CLI, in every format, as
 * known on two dates between which a comparison school's science result was restated; each
 * file is read back by readers nobody here wrote (pandas for CSV and Stata, the Rust parquet
 * crate through parquet-wasm for Parquet), and the proof points are checked against the
 * demo's known science effect and against the same arithmetic done in pandas on the export.
 */

const FORMATS = ['csv', 'parquet', 'dta'] as const;
type Format = (typeof FORMATS)[number];
const METRICS = 'proficiency.science,proficiency.math';
/** The comparison school whose last science result is restated, and the proficient count it is restated to. */
const RESTATED = { schoolId: 'N-01', schoolYear: '2025-26', proficient: 160 };

/** The 2x2 difference in differences of the treated cohort 2024 over 2023 and 2026, computed in pandas from the CSV export. */
const PANDAS_DID = `
import json, sys, pandas
frame = pandas.read_csv(sys.argv[1], dtype={'school_id': str})
wide = frame.pivot(index='school_id', columns='year', values='proficiency_science')
cohort = frame.groupby('school_id')['gname'].first()
gain = wide[2026] - wide[2023]
print(json.dumps({'att': gain[cohort == 2024].mean() - gain[cohort == 0].mean(), 'treated': int(gain[cohort == 2024].count()), 'comparison': int(gain[cohort == 0].count())}))
`;

function parquet(file: string): ReadBack {
  const table = tableFromIPC(readParquet(readFileSync(file)).intoIPCStream());
  const columns = table.schema.fields.map((field) => field.name);
  return { columns, rows: table.toArray().map((row) => columns.map((name) => row.toJSON()[name] as Cell)) };
}

describeWithPandas('research: the panel and the proof points, as known on any date', () => {
  let folder: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  let base: string;
  const keys = { researcher: '', researcherId: '', district: '', partner: '' };
  /** Before and after the restatement. */
  const dates: Record<'before' | 'after', string> = { before: '', after: '' };

  const get = (key: string, path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const panelPath = (asOf: string, format: Format) => `/api/v1/research/panel?metrics=${METRICS}&asOf=${encodeURIComponent(asOf)}&format=${format}`;
  const file = (source: string, when: string, format: Format) => join(folder, `${source}-${when}.${format}`);
  const codebookOf = (source: string, when: string) => join(folder, `${source}-${when}.codebook.csv`);

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'turnaround-research-'));
    app = await createApp(testConfig({ DATA_DIR: join(folder, 'data') }), { logger: false });
    http = await httpClient(app);
    base = http.base;
    await loadDemo(app, base);
    const apiKeys = app.get(ApiKeys);
    const researcher = await apiKeys.issue({ kind: 'researcher' }, 'university partner');
    [keys.researcher, keys.researcherId] = [researcher.key, researcher.keyId];
    keys.district = (await apiKeys.issue({ kind: 'district', districtId: 'D-EAST' }, 'district')).key;
    keys.partner = (await apiKeys.issue({ kind: 'partner', partnerId: 'P-RENEW' }, 'partner')).key;

    dates.before = new Date().toISOString();
    const restated = await http.post('/api/v1/feeds/assessment', [
      { ...RESTATED, window: 'annual', assessment: 'state_test', subject: 'science', grade: 'all', studentGroup: 'all', tested: 400 },
    ]);
    expect(restated.body).toMatchObject({ restated: 1, rejectedRows: 0 });
    await app.get(ReadModelRunner).settled();
    dates.after = new Date().toISOString();
  });
  /** The last test closes the app, for the CLI to open the embedded database. */
  let appOpen = true;
  afterAll(async () => {
    if (appOpen) await app.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('streams the panel over HTTP to a researcher in every format, named with its asOf, and its codebook beside it', async () => {
    for (const [when, asOf] of Object.entries(dates)) {
      for (const format of FORMATS) {
        const response = await get(keys.researcher, panelPath(asOf, format));
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain(
          { csv: 'text/csv', parquet: 'application/vnd.apache.parquet', dta: 'application/x-stata-dta' }[format],
        );
        expect(response.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="turnaround-panel-\\d{8}t\\d{6}z\\.${format}"$`));
        expect(response.headers.get('x-turnaround-as-of')).toBe(asOf);
        writeFileSync(file('http', when, format), Buffer.from(await response.arrayBuffer()));
      }
      const codebook = await get(keys.researcher, `/api/v1/research/panel/codebook?metrics=${METRICS}&asOf=${encodeURIComponent(asOf)}`);
      expect(codebook.status).toBe(200);
      writeFileSync(codebookOf('http', when), await codebook.text());
    }
    const codebook = readFileSync(codebookOf('http', 'after'), 'utf8');
    expect(codebook.split('\r\n')[0]).toBe('column,label,type,rule');
    expect(codebook).toContain('proficiency_science_small_n,');
  });

  it('exports the same files from the CLI, against the service (--server) with a researcher key', async () => {
    for (const [when, asOf] of Object.entries(dates)) {
      for (const format of FORMATS) {
        const out = file('cli', when, format);
        const run = await turnaround(
          ['export', 'panel', '--metrics', METRICS, '--as-of', asOf, '--format', format, '--out', out, '--server', base, '--key', keys.researcher],
          {},
        );
        expect(run).toMatchObject({ code: 0 });
        expect(run.stdout).toContain(`wrote the ${format} panel`);
        expect(run.stdout).toContain(`as known at ${asOf} to ${out}; codebook ${join(folder, `cli-${when}.codebook.csv`)}`);
        // the same knowledge time gives the same bytes, whoever asks and however
        expect(readFileSync(out).equals(readFileSync(file('http', when, format)))).toBe(true);
      }
      expect(readFileSync(codebookOf('cli', when), 'utf8')).toBe(readFileSync(codebookOf('http', when), 'utf8'));
    }
  });

  it('reads back identically in every format, and shows the restated value only as of after the restatement', () => {
    const panels = Object.fromEntries(
      Object.keys(dates).map((when) => {
        const csv = pandas('csv', file('http', when, 'csv'), codebookOf('http', when));
        const dta = pandas('dta', file('http', when, 'dta'), codebookOf('http', when));
        const fromParquet = parquet(file('http', when, 'parquet'));
        const stringColumns = new Set(csv.columns.filter((_, index) => csv.rows.some((row) => typeof row[index] === 'string' && row[index] !== 'Inf')));
        expect(fromParquet.columns).toEqual(csv.columns);
        expect(fromParquet.rows.map((row) => row.map((cell) => (cell === Infinity ? 'Inf' : cell)))).toEqual(csv.rows);
        expect(dta.columns).toEqual(csv.columns);
        // Stata has no missing text (an empty string stands for it) and no infinity (missing stands for g_inf's)
        expect(dta.rows).toEqual(
          csv.rows.map((row) => row.map((cell, index) => (cell === 'Inf' ? null : cell === null && stringColumns.has(csv.columns[index]) ? '' : cell))),
        );
        return [when, csv];
      }),
    );
    const at = (panel: ReadBack, schoolId: string, schoolYear: string, column: string) => {
      const row = panel.rows.find(
        (candidate) => candidate[panel.columns.indexOf('school_id')] === schoolId && candidate[panel.columns.indexOf('school_year')] === schoolYear,
      );
      return row?.[panel.columns.indexOf(column)];
    };
    const { before, after } = panels;
    expect(at(after, RESTATED.schoolId, RESTATED.schoolYear, 'proficiency_science_num')).toBe(RESTATED.proficient);
    expect(at(before, RESTATED.schoolId, RESTATED.schoolYear, 'proficiency_science_num')).not.toBe(RESTATED.proficient);
    expect(at(before, RESTATED.schoolId, RESTATED.schoolYear, 'proficiency_science_num')).toBe(112); // 400 x (0.26 + 4 x 0.005)
    // treatment and comparison, as docs/research.md codes them
    expect(at(after, 'HILL-4', '2023-24', 'treated')).toBe(1);
    expect(at(after, 'HILL-4', '2023-24', 'first_treat_year')).toBe(2024);
    expect(at(after, 'RIVER-1', '2021-22', 'treated')).toBe(0);
    expect(at(after, 'RIVER-1', '2024-25', 'contract_year')).toBe(2);
    expect(at(after, 'RIVER-1', '2024-25', 'district_id')).toBe('D-EAST');
    expect(at(after, 'N-01', '2024-25', 'comparison')).toBe(1);
    expect(at(after, 'N-01', '2024-25', 'gname')).toBe(0);
    expect(at(after, 'N-01', '2024-25', 'cohort_fixest')).toBe(10000);
    expect(at(after, 'N-01', '2024-25', 'g_inf')).toBe('Inf');
    expect(at(after, 'N-01', '2024-25', 'district_id')).toBeNull(); // comparison schools are known from the feeds alone
  });

  it("runs the statistics: the demo's known science effect, and the same 2x2 in pandas as in the service, as of each date", async () => {
    const researcher = await httpClient(app, keys.researcher);
    for (const [when, asOf] of Object.entries(dates)) {
      const answer = (await researcher.get(`/api/v1/research/proof-points?metric=proficiency.science&group=zone&asOf=${encodeURIComponent(asOf)}`)).body;
      expect(answer).toMatchObject({ metric: 'proficiency.science', asOf, groupBy: 'zone', weights: 'none', seed: 1, draws: 999 });
      const [zone] = answer.groups;
      expect(zone).toMatchObject({ groupId: 'Z-DEMO', cohorts: [{ firstTreatYear: 2024, schools: 12 }], comparisonSchools: 20 });
      const cell = (year: number) => zone.groupTime.find((candidate: { year: number }) => candidate.year === year);
      // the trends alike before treatment: the placebo is 0
      expect(cell(2023)).toMatchObject({ baseYear: 2022, eventTime: -1, schools: { treated: 12, comparison: 20 } });
      expect(cell(2023).att.value).toBeCloseTo(0, 10);
      const pandasDid = JSON.parse(execFileSync(PYTHON, ['-c', PANDAS_DID, file('http', when, 'csv')], { encoding: 'utf8' })) as {
        att: number;
        treated: number;
        comparison: number;
      };
      expect(cell(2026).att.value).toBeCloseTo(pandasDid.att, 12);
      expect(cell(2026).schools).toEqual({ treated: pandasDid.treated, comparison: pandasDid.comparison });
      if (when === 'before') {
        expect(zone.overall.att.value).toBeCloseTo(DEMO_SCIENCE_EFFECT, 10);
        const gains = zone.baselineComparisons.find((comparison: { year: number }) => comparison.year === 2026);
        expect(gains.treatedGain.value).toBeCloseTo(0.09, 10);
        expect(gains.comparisonGain.value).toBeCloseTo(0.03, 10);
        expect(gains.differenceInDifferences.value).toBeCloseTo(DEMO_SCIENCE_EFFECT, 10);
        expect(zone.overall.att.ci95.lower).toBeLessThan(DEMO_SCIENCE_EFFECT);
        expect(zone.overall.att.ci95.upper).toBeGreaterThan(DEMO_SCIENCE_EFFECT);
      } else {
        // N-01's 2026 result rose from 112 to 160 of 400 (0.12 more gain), so the comparison mean gain rises by 0.12 / 20
        expect(cell(2026).att.value).toBeCloseTo(DEMO_SCIENCE_EFFECT - 0.12 / 20, 10);
      }
    }
  });

  it('prints the statistics from the CLI as a table with n and years, and as the JSON the API answers', async () => {
    const table = await turnaround(['analyze', '--metric', 'proficiency.science', '--as-of', dates.before, '--server', base, '--key', keys.researcher], {});
    expect(table).toMatchObject({ code: 0 });
    expect(table.stdout).toContain(`proficiency.science by zone, schools unweighted, as known at ${dates.before}`);
    expect(table.stdout).toContain('zone Z-DEMO: cohort 2024 (12 schools); 20 comparison schools');
    expect(table.stdout).toMatch(/overall ATT \(e >= 0\)\s+2023-2026\s+12\/20\s+0\.0600\s+\d\.\d{4}\s+\[0\.\d{4}, 0\.\d{4}\]/);
    expect(table.stdout).toMatch(/ATT\(2024, 2023\) vs 2022\s+2022,2023\s+12\/20\s+0\.0000/);
    const json = await turnaround(
      ['analyze', '--metric', 'proficiency.science', '--as-of', dates.before, '--json', '--server', base, '--key', keys.researcher],
      {},
    );
    const api = await (
      await httpClient(app, keys.researcher)
    ).get(`/api/v1/research/proof-points?metric=proficiency.science&asOf=${encodeURIComponent(dates.before)}`);
    expect(JSON.parse(json.stdout)).toEqual(api.body);
  });

  it('admits researchers and the state office, and refuses districts and partners', async () => {
    const science = `/api/v1/research/proof-points?metric=proficiency.science&asOf=${encodeURIComponent(dates.after)}`;
    expect((await get(TEST_STATE_KEY, panelPath(dates.after, 'csv'))).status).toBe(200);
    expect((await get(TEST_STATE_KEY, science)).status).toBe(200);
    for (const key of [keys.district, keys.partner]) {
      for (const path of [panelPath(dates.after, 'csv'), `/api/v1/research/panel/codebook?metrics=${METRICS}`, science, '/api/v1/research/requests'])
        expect((await get(key, path)).status).toBe(403);
    }
    expect((await get(keys.researcher, '/api/v1/research/requests')).status).toBe(403);
  });

  it('refuses bad parameters with a 400 that names the field', async () => {
    const researcher = await httpClient(app, keys.researcher);
    const refused = async (path: string) => {
      const answer = await researcher.get(path);
      expect(answer.status).toBe(400);
      return answer.body.issues.map((issue: { field: string }) => issue.field);
    };
    expect(await refused('/api/v1/research/panel?format=xlsx')).toEqual(['format']);
    expect(await refused('/api/v1/research/panel?asOf=yesterday')).toEqual(['asOf']);
    expect(await refused('/api/v1/research/panel?metrics=proficiency.math,shoe_size')).toEqual(['metrics.1']);
    expect(await refused('/api/v1/research/panel?from=2026&to=2023')).toEqual(['to']);
    expect(await refused('/api/v1/research/panel?from=2023-25')).toEqual(['from']);
    expect(await refused('/api/v1/research/proof-points')).toEqual(['metric']);
    expect(await refused('/api/v1/research/proof-points?metric=proficiency.math&group=district')).toEqual(['group']);
    expect(await refused('/api/v1/research/proof-points?metric=proficiency.math&weights=enrollment')).toEqual(['weights']);
  });

  it('refuses a metric outside the catalogue over HTTP and from the CLI, naming the field and the close match', async () => {
    const researcher = await httpClient(app, keys.researcher);
    const typo = await researcher.get('/api/v1/research/proof-points?metric=proficiency.scince');
    expect(typo.status).toBe(400);
    expect(typo.body.issues).toEqual([
      { field: 'metric', message: expect.stringContaining("subject 'scince' is not in the subject catalogue: did you mean proficiency.science?") },
    ]);
    const panel = await researcher.get('/api/v1/research/panel?metrics=proficiency.math,proficiency.scince');
    expect(panel.status).toBe(400);
    expect(panel.body.issues).toEqual([{ field: 'metrics.1', message: expect.stringContaining('did you mean proficiency.science?') }]);
    // spaces separate names as commas do: a typo among them is still found
    expect((await researcher.get('/api/v1/research/panel/codebook?metrics=proficiency.math+attendence_rate')).body.issues).toEqual([
      { field: 'metrics.1', message: expect.stringContaining('did you mean attendance_rate?') },
    ]);
    const analysed = await turnaround(['analyze', '--metric', 'proficiency.scince', '--server', base, '--key', keys.researcher], {});
    expect(analysed).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining("metric: subject 'scince' is not in the subject catalogue: did you mean proficiency.science?"),
    });
    const exported = await turnaround(
      ['export', 'panel', '--metrics', 'proficiency.maths', '--out', join(folder, 'typo.csv'), '--server', base, '--key', keys.researcher],
      {},
    );
    expect(exported).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("metrics.0: subject 'maths' is not in the subject catalogue: did you mean proficiency.math?"),
    });
    // a contract target on a typo is refused too, and the contract keeps its targets
    const before = (await http.get('/api/v1/contracts/K-HILL')).body;
    const amended = await http.post('/api/v1/contracts/K-HILL/target-amendments', {
      targets: [{ metric: 'proficiency.maths', contractYear: 3, kind: 'gain', value: 0.05, scope: 'school' }],
      reason: 'raise the bar',
    });
    expect(amended.status).toBe(400);
    expect(amended.body.issues).toContainEqual({ field: 'targets.0.metric', message: expect.stringContaining('did you mean proficiency.math?') });
    expect((await http.get('/api/v1/contracts/K-HILL')).body).toEqual(before);
  });

  it('stores and shows a feed of a subject outside the catalogue, which a researcher may not name until it is catalogued', async () => {
    const pushed = await http.post('/api/v1/feeds/assessment', [
      {
        schoolId: 'HILL-1',
        schoolYear: '2024-25',
        window: 'annual',
        assessment: 'state_test',
        subject: 'robotics',
        grade: 'all',
        studentGroup: 'all',
        tested: 50,
        proficient: 20,
      },
    ]);
    expect(pushed.body).toMatchObject({ accepted: 1, rejectedRows: 0 });
    await app.get(ReadModelRunner).settled();
    const metrics = (await http.get('/api/v1/schools/HILL-1/metrics?year=2024-25')).body;
    expect(metrics).toContainEqual(expect.objectContaining({ metric: 'proficiency.robotics', numerator: 20, denominator: 50, rate: 0.4 }));
    const refused = await (await httpClient(app, keys.researcher)).get('/api/v1/research/proof-points?metric=proficiency.robotics');
    expect(refused.status).toBe(400);
    expect(refused.body.issues[0].message).toMatch(/subject 'robotics' is not in the subject catalogue.*a state adds its own in SUBJECTS_DIR/);
  });

  it('flags each figure on too few schools, in the API and in the CLI table: three treated schools against one comparison school', async () => {
    // Writing, 2022-23 to 2023-24: HILL-1 40 -> 48, HILL-2 40 -> 44, HILL-3 30 -> 36 of 100 (gains
    // 0.08, 0.04, 0.06), and N-01 alone on the comparison side, 30 -> 31 (0.01): DiD 0.05.
    const results = [
      ['HILL-1', 40, 48],
      ['HILL-2', 40, 44],
      ['HILL-3', 30, 36],
      ['N-01', 30, 31],
    ] as const;
    const pushed = await http.post(
      '/api/v1/feeds/assessment',
      results.flatMap(([schoolId, before, after]) =>
        [
          ['2022-23', before],
          ['2023-24', after],
        ].map(([schoolYear, proficient]) => ({
          schoolId,
          schoolYear,
          window: 'annual',
          assessment: 'state_test',
          subject: 'writing',
          grade: 'all',
          studentGroup: 'all',
          tested: 100,
          proficient,
        })),
      ),
    );
    expect(pushed.body).toMatchObject({ accepted: 8, rejectedRows: 0 });
    await app.get(ReadModelRunner).settled();

    const answer = (await (await httpClient(app, keys.researcher)).get('/api/v1/research/proof-points?metric=proficiency.writing')).body;
    const [cell] = answer.groups[0].baselineComparisons;
    expect(cell).toMatchObject({ year: 2024, baselineYear: 2023, schools: { treated: 3, comparison: 1 } });
    expect(cell.treatedGain).toMatchObject({ insufficient: null, intervalInsufficient: { needed: 10, have: 3 } });
    expect(cell.comparisonGain).toMatchObject({ insufficient: { needed: 2, have: 1 }, intervalInsufficient: { needed: 10, have: 1 } });
    expect(cell.differenceInDifferences.value).toBeCloseTo(0.05, 10);
    expect(cell.differenceInDifferences).toMatchObject({ insufficient: { needed: 2, have: 1 } });
    // Hedges' g: treated s.d. 0.02 alone, d = 2.5, J = 4/7: given, flagged.
    expect(cell.hedgesG.value).toBeCloseTo(10 / 7, 10);
    expect(cell.hedgesG.insufficient).toEqual({ needed: 2, have: 1 });

    const table = await turnaround(['analyze', '--metric', 'proficiency.writing', '--server', base, '--key', keys.researcher], {});
    expect(table).toMatchObject({ code: 0 });
    expect(table.stdout).toMatch(/gain 2024 vs 2023, treated\s+2023,2024\s+3\/0\s+0\.0600\s+-\s+n too small \(3 < 10\)\n/);
    expect(table.stdout).toMatch(/gain 2024 vs 2023, comparison\s+2023,2024\s+0\/1\s+n too small \(1 < 2\)\s+-\s+-\n/);
    expect(table.stdout).toMatch(/2x2 DiD 2024 vs 2023\s+2023,2024\s+3\/1\s+n too small \(1 < 2\)\s+-\s+-\n/);
    expect(table.stdout).toMatch(/Hedges' g 2024 vs 2023\s+2023,2024\s+3\/1\s+n too small \(1 < 2\)\s+-\s+-\n/);
    expect(table.stdout).not.toContain('1.4286');
  });

  it('records every export and analysis (who, what, as of when) and lists them for the state office', async () => {
    const records: {
      action: string;
      channel: string;
      keyId: string;
      role: string;
      actor: string;
      parameters: Record<string, unknown>;
      asOf: string;
      rows: number | null;
    }[] = (await http.get('/api/v1/research/requests?limit=1000')).body;
    const researchers = records.filter((record) => record.keyId === keys.researcherId);
    expect(
      researchers.every((record) => record.role === 'researcher' && record.actor === `key ${keys.researcherId} (researcher)` && record.channel === 'http'),
    ).toBe(true);
    for (const asOf of Object.values(dates)) {
      for (const format of FORMATS) {
        const exports = researchers.filter((record) => record.action === 'panel' && record.asOf === asOf && record.parameters.format === format);
        // one over HTTP, one from the CLI through the service
        expect(exports).toHaveLength(2);
        expect(exports[0]).toMatchObject({ parameters: { metrics: METRICS.split(','), from: null, to: null }, rows: expect.any(Number) });
      }
      expect(researchers.filter((record) => record.action === 'proof-points' && record.asOf === asOf)[0]).toMatchObject({
        parameters: { metric: 'proficiency.science', groupBy: 'zone', weights: 'none' },
        rows: 1,
      });
    }
    expect(records.filter((record) => record.keyId === 'bootstrap' && record.role === 'state')).not.toHaveLength(0);
    // refused requests are not exports: nothing was read
    expect(researchers.some((record) => JSON.stringify(record.parameters).includes('xlsx'))).toBe(false);
  });

  it('exports and analyses on the embedded database too, recorded as the CLI and its actor', async () => {
    await app.close();
    appOpen = false;
    const env = { DATA_DIR: join(folder, 'data'), TURNAROUND_ACTOR: 'ada' };
    const out = file('embedded', 'before', 'csv');
    const exported = await turnaround(['export', 'panel', '--metrics', METRICS, '--as-of', dates.before, '--out', out], env);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).toMatch(/^wrote the csv panel \(\d+ rows of 32 schools, 2 metrics\) as known at /);
    expect(readFileSync(out).equals(readFileSync(file('http', 'before', 'csv')))).toBe(true);
    const analysed = await turnaround(['analyze', '--metric', 'proficiency.science', '--group', 'cluster', '--as-of', dates.before], env);
    expect(analysed).toMatchObject({ code: 0, stderr: '' });
    expect(analysed.stdout).toContain('cluster C-HILL: cohort 2024 (4 schools); 20 comparison schools');
    const refused = await turnaround(['export', 'panel', '--as-of', 'soon', '--out', out], env);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('--as-of: expected an ISO date or time') });

    const sql = await createPgliteClient(join(folder, 'data', 'pglite'));
    try {
      const cli = await sql.query<{ action: string; actor: string; key_id: string | null; rows: number | null }>(
        `SELECT action, actor, key_id, rows FROM research_requests WHERE channel = 'cli' ORDER BY record_id`,
      );
      expect(cli).toEqual([
        { action: 'panel', actor: 'cli (ada)', key_id: null, rows: expect.any(Number) },
        { action: 'proof-points', actor: 'cli (ada)', key_id: null, rows: 3 },
      ]);
    } finally {
      await sql.close();
    }

    // A metric outside the catalogue is refused on the embedded database as by the service
    const typo = await turnaround(['analyze', '--metric', 'proficiency.scince'], env);
    expect(typo).toMatchObject({
      code: 2,
      stderr:
        "turnaround: --metric: subject 'scince' is not in the subject catalogue: did you mean proficiency.science? expected one of proficiency.math, proficiency.ela, proficiency.reading, proficiency.writing, proficiency.science, proficiency.social_studies (a state adds its own in SUBJECTS_DIR)\n",
    });
    // a state's own subject (SUBJECTS_DIR) may be named on the embedded database as in the service
    const subjects = join(folder, 'subjects');
    mkdirSync(subjects);
    writeFileSync(join(subjects, 'robotics.yaml'), 'subjects:\n  - name: robotics\n    description: robotics and engineering\n');
    const typoExport = await turnaround(['export', 'panel', '--metrics', 'attendance_rate,proficiency.robotics', '--out', out], env);
    expect(typoExport).toMatchObject({ code: 2, stderr: expect.stringContaining("--metrics.1: subject 'robotics' is not in the subject catalogue") });
    const ownSubject = await turnaround(['export', 'panel', '--metrics', 'proficiency.robotics', '--out', file('embedded', 'robotics', 'csv')], {
      ...env,
      SUBJECTS_DIR: subjects,
    });
    expect(ownSubject).toMatchObject({ code: 0 });
  });
});
