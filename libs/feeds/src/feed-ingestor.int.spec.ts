import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { IllegalStateError, NotFoundError, ValidationError } from '@turnaround/domain';
import { mathResult, testCatalogues } from '@turnaround/domain/testing';
import { EventStore, EventStoreDbEventStore, PostgresEventStore, START, StoredEvent } from '@turnaround/event-store';
import { FakeKurrentDbServer, wholeLog } from '@turnaround/event-store/testing';
import { SqlClient } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { FeedContext } from './event-metadata';
import { FeedBatches } from './feed-batches';
import { FeedIngestor } from './feed-ingestor';
import { ProfileCatalogue } from './profile-catalogue';

jest.setTimeout(60_000);

const FIXTURES = join(__dirname, '..', 'fixtures');
const fixture = (name: string) => createReadStream(join(FIXTURES, name));
const csv = (text: string) => Readable.from([text]);
const context: FeedContext = { channel: 'http', actor: 'data-team@state', correlationId: 'c-1' };

/** The log's feed facts: every event but the pushes' `FeedBatchClosed` markers. */
async function allEvents(store: EventStore, sql: SqlClient): Promise<StoredEvent[]> {
  return (await wholeLog(store, sql)).filter((event) => event.type !== 'FeedBatchClosed');
}

/** The `FeedBatchClosed` markers: where each push that stored something is complete. */
async function markers(store: EventStore, sql: SqlClient): Promise<unknown[]> {
  return (await wholeLog(store, sql)).filter((event) => event.type === 'FeedBatchClosed').map((event) => event.data);
}

describe.each(testDatabases())('feed ingestion on $name', (database) => {
  let sql: SqlClient;
  let store: PostgresEventStore;
  let batches: FeedBatches;
  let ingestor: FeedIngestor;
  const freshIngestor = () => new FeedIngestor(store, batches, profiles, testCatalogues().indicators);
  let profiles: ProfileCatalogue;

  beforeEach(async () => {
    sql = await database.open();
    store = await PostgresEventStore.create(sql);
    batches = await FeedBatches.create(sql);
    profiles = await ProfileCatalogue.load();
    ingestor = freshIngestor();
  });
  afterEach(() => store.close());

  it('maps the NYC DOE math shape with its profile: grade rows, the All Grades row, suppressed rows, skipped gender rows', async () => {
    const summary = await ingestor.ingestCsv('assessment', fixture('nyc-doe-math-sample.csv'), context, { profile: 'nyc-doe-math' });
    expect(summary).toMatchObject({ status: 'completed', accepted: 5, duplicates: 0, restated: 0, skipped: 2, rejectedRows: 2 });
    expect(summary.rejected).toEqual([
      { row: 8, field: 'Num Level 3 and 4 (proficient)', message: 'expected at most the number tested (30), got 31' },
      { row: 9, field: 'Number Tested (tested)', message: "expected a number, got 'thirty'" },
    ]);

    const events = await allEvents(store, sql);
    expect(events.map((event) => event.streamId)).toEqual([...Array(4).fill('assessment-2005-06-01M015'), 'assessment-2006-07-01M019']);
    const suppressed = events.find((event) => (event.data as { grade: string }).grade === '05');
    expect(suppressed?.data).toMatchObject({ tested: 5, proficient: null, meanScaleScore: null, suppressed: true });
    expect(events[0].metadata).toMatchObject({
      actor: 'data-team@state',
      source: { channel: 'http', feed: 'assessment', batchId: summary.batchId, recordKey: '01M015/2005-06/annual/nys/math/03/all' },
    });
  });

  it('appends nothing when the same file is pushed twice, and one restatement for a changed value', async () => {
    await ingestor.ingestCsv('assessment', fixture('nyc-doe-math-sample.csv'), context, { profile: 'nyc-doe-math' });
    // a new ingestor has no cached ledgers: duplicates are decided from the stored streams
    const again = await freshIngestor().ingestCsv('assessment', fixture('nyc-doe-math-sample.csv'), context, { profile: 'nyc-doe-math' });
    expect(again).toMatchObject({ accepted: 0, duplicates: 5, restated: 0, skipped: 2, rejectedRows: 2 });
    expect(await allEvents(store, sql)).toHaveLength(5);
    // the second push stored nothing: it has nothing to mark complete
    expect(await markers(store, sql)).toEqual([{ batchId: expect.any(String), feed: 'assessment', status: 'completed', accepted: 5, restated: 0 }]);

    const corrected = 'DBN,Grade,Year,Demographic,Number Tested,Num Level 3 and 4\n01M015,3,2006,All Students,39,27\n';
    const restated = await ingestor.ingestCsv('assessment', csv(corrected), context, {
      profile: 'nyc-doe-math',
    });
    expect(restated).toMatchObject({ accepted: 0, duplicates: 0, restated: 1 });
    const events = await allEvents(store, sql);
    expect(events).toHaveLength(6);
    expect(events[5].data).toMatchObject({ grade: '03', proficient: 27 });
  });

  it('stores each record once when the same file is pushed twice at the same time', async () => {
    const [first, second] = await Promise.all([
      freshIngestor().ingestCsv('assessment', fixture('nyc-doe-math-sample.csv'), context, { profile: 'nyc-doe-math' }),
      freshIngestor().ingestCsv('assessment', fixture('nyc-doe-math-sample.csv'), context, { profile: 'nyc-doe-math' }),
    ]);
    expect(first.accepted + second.accepted).toBe(5);
    expect(first.duplicates + second.duplicates).toBe(5);
    expect(await allEvents(store, sql)).toHaveLength(5);
  });

  it('stops a file at the chunk the database refuses: the chunks before stay stored and counted, nothing after it is stored, the batch is failed', async () => {
    // 2,500 rows (three chunks), 10 per school; a real trigger refuses school S150's events, in the second chunk
    const subjects = ['math', 'ela'];
    const grades = ['03', '04', '05', '06', '07'];
    const lines = Array.from(
      { length: 2_500 },
      (_, i) => `S${Math.floor(i / 10)},2024-25,spring,state_test,${subjects[i % 2]},${grades[Math.floor(i / 2) % 5]},all,40,20`,
    );
    await sql.query(`CREATE FUNCTION refuse_s150() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.stream_id = 'assessment-2024-25-S150' THEN RAISE EXCEPTION 'disk full (test trigger)'; END IF; RETURN NEW; END $$`);
    await sql.query('CREATE TRIGGER refuse_s150 BEFORE INSERT ON es_events FOR EACH ROW EXECUTE FUNCTION refuse_s150()');
    const file = csv(['schoolId,schoolYear,window,assessment,subject,grade,studentGroup,tested,proficient', ...lines].join('\n'));

    await expect(ingestor.ingestCsv('assessment', file, context)).rejects.toThrow(/disk full/);
    const events = await allEvents(store, sql);
    expect(events).toHaveLength(1_000);
    // what was stored is complete knowledge all the same: the read side judges it
    expect(await markers(store, sql)).toEqual([expect.objectContaining({ status: 'failed', accepted: 1_000 })]);
    expect(new Set(events.map((event) => event.streamId)).has('assessment-2024-25-S99')).toBe(true);
    const [report] = await batches.recent(1);
    expect(report).toMatchObject({ status: 'failed', accepted: 1_000 });
    expect(report.batchIssues).toEqual([{ field: '(batch)', message: expect.stringMatching(/^stopped: disk full/) }]);
  });

  it('rejects each broken canonical assessment row with its row, field and expectation, and keeps it with the reason', async () => {
    const summary = await ingestor.ingestCsv('assessment', fixture('assessment-canonical.csv'), context);
    expect(summary).toMatchObject({ status: 'completed', accepted: 3, rejectedRows: 4 });
    expect(summary.rejected).toEqual([
      { row: 4, field: 'proficient', message: 'expected at most the number tested (40), got 41' },
      { row: 5, field: 'tested', message: 'expected a count of 0 or more' },
      { row: 6, field: 'schoolYear', message: 'expected a school year written YYYY-YY with consecutive years, e.g. "2024-25"' },
      { row: 7, field: 'proficient', message: 'expected the number proficient (or mark the row suppressed)' },
    ]);
    const kept = await batches.rejections(summary.batchId, { afterRow: 0, limit: 10 });
    expect(kept.map((rejection) => rejection.row)).toEqual([4, 5, 6, 7]);
    expect(kept[0].record).toMatchObject({ schoolId: 'S100', grade: '03', tested: '40', proficient: '41' });
    expect(kept[0].issues).toEqual([{ row: 4, field: 'proficient', message: 'expected at most the number tested (40), got 41' }]);

    const suppressed = (await allEvents(store, sql)).find((event) => (event.data as { studentGroup: string }).studentGroup === 'english_learners');
    expect(suppressed?.data).toMatchObject({ tested: 8, proficient: null, levels: { below_basic: null }, suppressed: true });
  });

  it('rejects impossible attendance and rows of the wrong width', async () => {
    const summary = await ingestor.ingestCsv('attendance', fixture('attendance-canonical.csv'), context);
    expect(summary).toMatchObject({ accepted: 1, rejectedRows: 4 });
    expect(summary.rejected).toEqual([
      { row: 3, field: 'attendanceDays', message: 'expected at most membershipDays (9900), got 9950' },
      { row: 4, field: 'periodEnd', message: 'expected a date on or after periodStart 2024-11-30' },
      { row: 5, field: 'periodStart', message: 'expected a period inside school year 2024-25 (2024-07-01 to 2025-06-30)' },
      { row: 6, field: '(row)', message: 'expected 8 cells as in the header, got 4' },
    ]);
  });

  it('refuses a file with student-level columns as a whole and stores nothing of it', async () => {
    const summary = await ingestor.ingestCsv('attendance', fixture('student-level.csv'), context);
    expect(summary).toMatchObject({ status: 'rejected', accepted: 0, rejectedRows: 0 });
    expect(summary.rejected.map((issue) => issue.field)).toEqual(['Student ID', 'Last Name', 'DOB']);
    expect(summary.rejected[0].message).toMatch(/student-level column.*Nothing of this file was stored/);
    expect(await allEvents(store, sql)).toHaveLength(0);
    expect(await batches.rejections(summary.batchId, { afterRow: 0, limit: 10 })).toEqual([]);
    expect(await batches.report(summary.batchId)).toMatchObject({ status: 'rejected', batchIssues: summary.rejected });
  });

  it('answers a vendor file pushed without its profile with the profile it fits, in one message', async () => {
    const summary = await ingestor.ingestCsv('assessment', fixture('nyc-doe-math-sample.csv'), context);
    expect(summary).toMatchObject({ status: 'rejected', accepted: 0 });
    expect(summary.rejected).toEqual([
      {
        row: 1,
        field: 'profile',
        message: "this looks like nyc-doe-math: add ?profile=nyc-doe-math (CLI: --profile nyc-doe-math); the header does not fit profile 'canonical'",
      },
    ]);
    expect(await allEvents(store, sql)).toHaveLength(0);
  });

  it('takes a year-to-date attendance period over the months it contains, and rejects a partial overlap as a row naming the other period', async () => {
    const text = [
      'schoolId,schoolYear,periodStart,periodEnd,membershipDays,attendanceDays',
      'S1,2024-25,2024-09-01,2024-09-30,8000,7400',
      'S1,2024-25,2024-10-01,2024-10-31,8800,8000',
      'S1,2024-25,2024-09-01,2024-10-31,16800,15600',
      'S1,2024-25,2024-10-15,2024-11-14,8400,7800',
      'S1,2024-25,2024-11-01,2024-11-30,8400,7700',
    ].join('\n');
    const summary = await ingestor.ingestCsv('attendance', csv(text), context);
    expect(summary).toMatchObject({ status: 'completed', accepted: 4, rejectedRows: 1 });
    expect(summary.rejected).toEqual([
      {
        row: 5,
        field: 'periodStart',
        message: expect.stringMatching(
          /^expected a period that does not overlap one already reported, got 2024-10-15 to 2024-11-14, partly overlapping period 2024-09-01 to 2024-10-31: /,
        ),
      },
    ]);
    // the months stay in the log (the metrics count the year to date instead); the refused row is not stored
    expect(
      (await allEvents(store, sql)).map((event) => `${(event.data as { periodStart: string }).periodStart}/${(event.data as { periodEnd: string }).periodEnd}`),
    ).toEqual(['2024-09-01/2024-09-30', '2024-10-01/2024-10-31', '2024-09-01/2024-10-31', '2024-11-01/2024-11-30']);
    expect(await batches.rejections(summary.batchId, { afterRow: 0, limit: 10 })).toMatchObject([{ row: 5, issues: summary.rejected }]);
    // pushed again, the refused row is refused again and the rest are duplicates
    expect(await freshIngestor().ingestCsv('attendance', csv(text), context)).toMatchObject({ accepted: 0, duplicates: 4, rejectedRows: 1 });
  });

  it('reports malformed CSV as rejected rows, never silently dropping the lines a stray quote swallows', async () => {
    const text = 'schoolId,schoolYear,indicator,numerator,denominator\nS1,2024-25,dropouts,3,400\nS1,2024-25,"tru"ants,12,400\nS1,2024-25,truants,12,400\n';
    const summary = await ingestor.ingestCsv('indicators', csv(text), context);
    expect(summary).toMatchObject({ status: 'completed', accepted: 1, rejectedRows: 2 });
    expect(summary.rejected).toEqual([
      { row: 3, field: '(row)', message: expect.stringMatching(/^malformed CSV: Invalid Closing Quote: got "a" at line 3/) },
      { row: 4, field: '(row)', message: expect.stringMatching(/^malformed CSV: Quote Not Closed/) },
    ]);
  });

  it('takes a JSON array through the same rules', async () => {
    const records = [
      { schoolId: 'S1', schoolYear: '2024-25', asOf: '2024-10-01', teachers: 40, vacancies: 3, newHires: 12 },
      { schoolId: 'S1', schoolYear: '2024-25', asOf: '2025-06-15', teachers: 40, newHires: 41 },
    ];
    const summary = await ingestor.ingestJson('staffing', records, context);
    expect(summary).toMatchObject({ accepted: 1, rejectedRows: 1 });
    expect(summary.rejected).toEqual([{ row: 2, field: 'newHires', message: 'expected at most the number of teachers (40), got 41' }]);
    expect(await ingestor.ingestJson('staffing', records.slice(0, 1), context)).toMatchObject({ accepted: 0, duplicates: 1 });

    await expect(ingestor.ingestJson('staffing', { records }, context)).rejects.toThrow(/expected a JSON array of staffing records/);
    const withStudents = await ingestor.ingestJson('staffing', [{ ...records[0], sasid: '1234' }], context);
    expect(withStudents).toMatchObject({ status: 'rejected', accepted: 0 });
  });

  it('withdraws a record by its natural key once, and refuses an unknown key', async () => {
    await ingestor.ingestCsv('assessment', fixture('nyc-doe-math-sample.csv'), context, { profile: 'nyc-doe-math' });
    const key = '01M015/2005-06/annual/nys/math/04/all';
    expect(await ingestor.retract('assessment', key, 'grade 4 was mis-scored', context)).toEqual({ retracted: true, naturalKey: key });
    const again = freshIngestor().retract('assessment', key, 'again', context);
    await expect(again).rejects.toThrow(IllegalStateError);
    await expect(again).rejects.toThrow(
      new RegExp(
        `^assessment record '01M015/2005-06/annual/nys/math/04/all' was already retracted on \\d{4}-\\d{2}-\\d{2}T[^ ]+ by data-team@state \\("grade 4 was mis-scored"\\)`,
      ),
    );
    const retraction = (await allEvents(store, sql)).at(-1);
    expect(retraction).toMatchObject({
      streamId: 'assessment-2005-06-01M015',
      type: 'RecordRetracted',
      data: { feed: 'assessment', naturalKey: key, reason: 'grade 4 was mis-scored' },
    });
    await expect(ingestor.retract('assessment', '01M015/2005-06/annual/nys/math/07/all', 'typo', context)).rejects.toThrow(NotFoundError);
    await expect(ingestor.retract('assessment', '01M015/2005-06', 'typo', context)).rejects.toThrow(ValidationError);
    // the assessment code in any case, as a push takes it
    expect(await ingestor.retract('assessment', '01M015/2005-06/annual/NYS/math/05/all', 'typo', context)).toEqual({
      retracted: true,
      naturalKey: '01M015/2005-06/annual/nys/math/05/all',
    });
  });

  it('counts a retracted record pushed again as reinstated, by key, and keeps the count and keys with the batch', async () => {
    const record = { schoolId: 'S9', schoolYear: '2024-25', indicator: 'dropouts', numerator: 4, denominator: 410 };
    const other = { ...record, indicator: 'truants' };
    await ingestor.ingestJson('indicators', [record, other], context);
    await ingestor.retract('indicators', 'S9/2024-25/dropouts', 'counted twice', context);
    const again = await ingestor.ingestJson('indicators', [record, { ...other, numerator: 5 }], context);
    expect(again).toMatchObject({ accepted: 0, duplicates: 0, restated: 1, reinstated: 1, reinstatedKeys: ['S9/2024-25/dropouts'] });
    expect(await batches.report(again.batchId)).toMatchObject({ restated: 1, reinstated: 1, reinstatedKeys: ['S9/2024-25/dropouts'] });
    // the push's marker counts every record that superseded a stored one
    expect((await markers(store, sql)).at(-1)).toMatchObject({ accepted: 0, restated: 2 });
  });

  it('warns of each school id not registered, once a push, at its first row, and stores its records all the same', async () => {
    await store.append('school-S1', [
      {
        type: 'SchoolRegistered',
        schemaVersion: 1,
        data: { schoolId: 'S1', districtId: 'D1', name: 'One', gradeSpan: '06-08' },
        metadata: { source: { channel: 'http' }, correlationId: 'c', actor: 'a' },
      },
    ]);
    const record = (schoolId: string, indicator: string) => ({ schoolId, schoolYear: '2024-25', indicator, numerator: 4, denominator: 410 });
    const summary = await ingestor.ingestJson('indicators', [record('S1', 'a'), record('S7', 'a'), record('S7', 'b'), record('S8', 'a')], context);
    expect(summary).toMatchObject({ accepted: 4, warningCount: 2 });
    expect(summary.warnings).toEqual([
      {
        row: 2,
        field: 'schoolId',
        schoolId: 'S7',
        message: "school 'S7' is not registered: its records are stored as a comparison school's (register it, or check the id)",
      },
      expect.objectContaining({ row: 4, schoolId: 'S8' }),
    ]);
    expect(await batches.report(summary.batchId)).toMatchObject({
      warningCount: 2,
      warnings: [expect.objectContaining({ schoolId: 'S7' }), expect.objectContaining({ schoolId: 'S8' })],
    });
  });

  it('answers a dry run with exactly the counts the push then gives, storing nothing and keeping no batch', async () => {
    const base = { schoolId: 'S9', schoolYear: '2024-25', numerator: 4, denominator: 410 };
    await ingestor.ingestJson(
      'indicators',
      [
        { ...base, indicator: 'a' },
        { ...base, indicator: 'b' },
        { ...base, indicator: 'c' },
      ],
      context,
    );
    await ingestor.retract('indicators', 'S9/2024-25/c', 'wrong', context);
    // a duplicate, a restatement, a reinstatement, a new record, a key twice in the file, and a rejected row
    const file = [
      { ...base, indicator: 'a' },
      { ...base, indicator: 'b', numerator: 5 },
      { ...base, indicator: 'c' },
      { ...base, indicator: 'd' },
      { ...base, indicator: 'd', numerator: 6 },
      { ...base, indicator: 'e', denominator: 0 },
    ];
    const before = (await wholeLog(store, sql)).length;
    const batchesBefore = (await batches.recent(100)).length;
    const dry = await freshIngestor().dryRunJson('indicators', file, context);
    expect((await wholeLog(store, sql)).length).toBe(before);
    expect((await batches.recent(100)).length).toBe(batchesBefore);
    expect(dry).toMatchObject({
      batchId: null,
      dryRun: true,
      accepted: 1,
      duplicates: 1,
      restated: 2,
      reinstated: 1,
      rejectedRows: 1,
      reinstatedKeys: ['S9/2024-25/c'],
      warningCount: 1,
    });
    const real = await ingestor.ingestJson('indicators', file, context);
    const { batchId, dryRun, ...counted } = real;
    expect([batchId, dryRun]).toEqual([expect.any(String), false]);
    expect({ ...dry, batchId: undefined, dryRun: undefined }).toEqual({ ...counted, batchId: undefined, dryRun: undefined });
    // and a CSV dry run of the same file again: every record a duplicate now
    const csvFile = 'schoolId,schoolYear,indicator,numerator,denominator\nS9,2024-25,a,4,410\nS9,2024-25,d,6,410\n';
    expect(await ingestor.dryRunCsv('indicators', csv(csvFile), context)).toMatchObject({ dryRun: true, accepted: 0, duplicates: 2, rejectedRows: 0 });
  });
});

describe('feed ingestion on a store whose appendMany is not atomic (KurrentDB, fake client)', () => {
  it('counts the records a failed appendMany had already stored as accepted, not as duplicates', async () => {
    const sql = await testDatabases()[0].open();
    const server = new FakeKurrentDbServer();
    const store = new EventStoreDbEventStore(server.connect(), { streamPrefix: 'p-' });
    const other = new EventStoreDbEventStore(server.connect(), { streamPrefix: 'p-' });
    // Another writer stores S3's record between this push's read of the streams and its append:
    // S1 and S2 go in, S3's check fails, and the push decides S3 again.
    const appendMany = store.appendMany.bind(store);
    let raced = false;
    store.appendMany = async (appends) => {
      if (!raced) {
        raced = true;
        await freshIngestorOn(other, sql).then((ingestor) => ingestor.ingestJson('assessment', [record('S3')], context));
      }
      return appendMany(appends);
    };
    const summary = await (await freshIngestorOn(store, sql)).ingestJson('assessment', [record('S1'), record('S2'), record('S3')], context);
    expect(summary).toMatchObject({ accepted: 2, duplicates: 1, restated: 0 });
    const stored = (await store.readAll({ after: START, limit: 100 })).filter((event) => event.type !== 'FeedBatchClosed');
    expect(stored.map((event) => event.streamId)).toEqual(['assessment-2024-25-S3', 'assessment-2024-25-S1', 'assessment-2024-25-S2']);
    await store.close();
    await other.close();
    await sql.close();
  });
});

const record = (schoolId: string) => mathResult({ schoolId });

async function freshIngestorOn(store: EventStore, sql: SqlClient): Promise<FeedIngestor> {
  return new FeedIngestor(store, await FeedBatches.create(sql), await ProfileCatalogue.load(), testCatalogues().indicators);
}
