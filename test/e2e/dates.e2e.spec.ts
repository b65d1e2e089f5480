import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { testConfig } from './support/app';
import { turnaround } from './support/cli';
import { httpClient } from './support/http-client';
import { registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(180_000);

/** Every read that answers as of a knowledge time. */
const AS_OF_READS = [
  '/api/v1/alerts?',
  '/api/v1/alerts/A-000000000000000000000000?',
  '/api/v1/contracts/K/scorecard?',
  '/api/v1/partners/P/scorecard?',
  '/api/v1/schools/S1/metrics?',
  '/api/v1/clusters/C/metrics?',
  '/api/v1/partners/P/metrics?',
  '/api/v1/zones/Z/metrics?',
  '/api/v1/state/metrics?',
  '/api/v1/feeds/coverage?',
  '/api/v1/research/panel?metrics=attendance_rate&',
  '/api/v1/research/panel/codebook?metrics=attendance_rate&',
  '/api/v1/research/proof-points?metric=attendance_rate&',
];

describe('dates that do not exist are refused everywhere, by one reading', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  const refusal = async (path: string) => {
    const answer = await http.get(path);
    return { status: answer.status, issues: answer.body?.issues };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-dates-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    await registerOneClusterZone(http, [['S1', 'D1']]);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every ?asOf= answers an impossible date, year 0, 24:00 or a time without offset with a 400 naming asOf', async () => {
    const refused = {
      '2025-02-30': "expected a real calendar date, got '2025-02-30': February 2025 has 28 days",
      '2025-02-29': "expected a real calendar date, got '2025-02-29': February 2025 has 28 days",
      '0000-01-01': "expected a year from 1900 to 2100, got 0000 ('0000-01-01')",
      '2025-03-01T24:00:00Z': "expected an hour from 00 to 23, got '2025-03-01T24:00:00Z' (the end of a day is 00:00 of the next)",
      '2025-03-01T12:00:00': "expected the time's offset, e.g. 2025-03-01T12:00:00Z (UTC) or 2025-03-01T12:00:00-05:00, got '2025-03-01T12:00:00'",
    };
    for (const path of AS_OF_READS)
      for (const [asOf, message] of Object.entries(refused))
        expect([path, asOf, await refusal(`${path}asOf=${encodeURIComponent(asOf)}`)]).toEqual([
          path,
          asOf,
          { status: 400, issues: [{ field: 'asOf', message }] },
        ]);
    // an offset's + left unencoded arrives as a space: the refusal says how to send it
    expect((await refusal('/api/v1/alerts?asOf=2025-03-01T12:00:00+01:00')).issues[0].message).toMatch(/write the offset's \+ as %2B/);
    // a real date, a leap day and a time with its offset are taken
    for (const asOf of ['2025-03-01', '2024-02-29', '2025-03-01T12:00:00+01:00', new Date().toISOString()])
      for (const path of ['/api/v1/alerts?', '/api/v1/feeds/coverage?', '/api/v1/schools/S1/metrics?'])
        expect([path, asOf, (await http.get(`${path}asOf=${encodeURIComponent(asOf)}`)).status]).toEqual([path, asOf, 200]);
  });

  it('school years: ?year= and the research from/to refuse a second part that does not follow the first, and years out of range', async () => {
    expect(await refusal('/api/v1/schools/S1/metrics?year=2024-26')).toEqual({
      status: 400,
      issues: [{ field: 'year', message: 'expected the year after 2024 as the second part: "2024-25", got \'2024-26\'' }],
    });
    expect(await refusal('/api/v1/schools/S1/metrics?year=1899-00')).toEqual({
      status: 400,
      issues: [{ field: 'year', message: "expected a school year from 1900-01 to 2099-00, got '1899-00'" }],
    });
    expect(await refusal('/api/v1/research/panel?metrics=attendance_rate&from=0000')).toEqual({
      status: 400,
      issues: [{ field: 'from', message: "expected a school year such as 2024-25, or the year it ends in from 1901 to 2100, got '0000'" }],
    });
    expect(await refusal('/api/v1/research/panel?metrics=attendance_rate&to=2024-26')).toEqual({
      status: 400,
      issues: [{ field: 'to', message: 'expected the year after 2024 as the second part: "2024-25", got \'2024-26\'' }],
    });
  });

  it('feed and registry bodies: each date and school year is checked, the refusal names the field', async () => {
    const attendance = { schoolId: 'S1', schoolYear: '2024-25', periodStart: '2024-09-01', periodEnd: '2024-09-30', membershipDays: 1000, attendanceDays: 950 };
    const pushed = await http.post('/api/v1/feeds/attendance', [
      { ...attendance, periodEnd: '2025-02-30' },
      { ...attendance, schoolYear: '0000-01', periodStart: '0000-09-01', periodEnd: '0000-09-30' },
      attendance,
    ]);
    expect(pushed.body).toMatchObject({ accepted: 1, rejectedRows: 2 });
    expect(pushed.body.rejected).toEqual([
      { row: 1, field: 'periodEnd', message: "expected a real calendar date, got '2025-02-30': February 2025 has 28 days" },
      { row: 2, field: 'schoolYear', message: 'expected a school year from 1900-01 to 2099-00' },
      { row: 2, field: 'periodStart', message: "expected a year from 1900 to 2100, got 0000 ('0000-09-01')" },
      { row: 2, field: 'periodEnd', message: "expected a year from 1900 to 2100, got 0000 ('0000-09-30')" },
    ]);
    const staffing = await http.post('/api/v1/feeds/staffing', [{ schoolId: 'S1', schoolYear: '2024-25', asOf: '0000-10-01', teachers: 30 }]);
    expect(staffing.body.rejected).toEqual([{ row: 1, field: 'asOf', message: "expected a year from 1900 to 2100, got 0000 ('0000-10-01')" }]);

    const joined = await http.post('/api/v1/schools/S1/cluster-assignments', { clusterId: 'C', fromYear: '2024-26', strategy: 'transformation' });
    expect(joined).toEqual({
      status: 400,
      body: expect.objectContaining({ issues: [{ field: 'fromYear', message: 'expected the year after 2024 as the second part: "2024-25"' }] }),
    });
    const contract = await http.post('/api/v1/contracts', {
      contractId: 'K-OLD',
      partnerId: 'P',
      clusterId: 'C',
      schoolIds: ['S1'],
      governance: 'district_lead_partner',
      startYear: '1899-00',
      termYears: 3,
      baselineYear: '1898-99',
      targets: [],
    });
    expect(contract.status).toBe(400);
    expect(contract.body.issues).toEqual(
      expect.arrayContaining([
        { field: 'startYear', message: 'expected a school year from 1900-01 to 2099-00' },
        { field: 'baselineYear', message: 'expected a school year from 1900-01 to 2099-00' },
      ]),
    );
  });

  it('the CLI refuses an impossible --as-of with the message and exit code 2', async () => {
    // the parameters are read before the database is opened, so the service may go on running
    const env = { DATA_DIR: join(dataDir, 'cli') };
    const replayed = await turnaround(['replay', '--as-of', '2025-02-30'], env);
    expect(replayed).toMatchObject({ code: 2, stderr: "turnaround: --as-of: expected a real calendar date, got '2025-02-30': February 2025 has 28 days\n" });
    const exported = await turnaround(['export', 'panel', '--as-of', '0000-01-01', '--out', join(dataDir, 'panel.csv')], env);
    expect(exported).toMatchObject({ code: 2, stderr: "turnaround: --as-of: expected a year from 1900 to 2100, got 0000 ('0000-01-01')\n" });
    const analysed = await turnaround(['analyze', '--metric', 'attendance_rate', '--as-of', '2025-03-01T24:00:00Z'], env);
    expect(analysed).toMatchObject({ code: 2, stderr: expect.stringContaining("--as-of: expected an hour from 00 to 23, got '2025-03-01T24:00:00Z'") });
  });
});
