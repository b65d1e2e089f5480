import { addSchoolYears } from '@turnaround/domain';
import { LogFollower, PostgresEventStore, StoredEvent } from '@turnaround/event-store';
import { wholeLog } from '@turnaround/event-store/testing';
import { FeedBatches, FeedIngestor, ProfileCatalogue } from '@turnaround/feeds';
import { testDatabases } from '@turnaround/postgres/testing';
import { MetricQueries } from './metrics/metric.queries';
import { readSideProjection } from './read-side';
import { testCatalogues } from '@turnaround/domain/testing';

jest.setTimeout(180_000);

const SCHOOLS = Array.from({ length: 12 }, (_, n) => `S${n + 1}`);
const YEARS = Array.from({ length: 60 }, (_, n) => addSchoolYears('1960-61', n));

/**
 * A school's math results of one grade, 40 tested: each push carries its own grades, so every
 * school year's value sums both pushes; the second push runs through the years backwards, so
 * chunks of the two pushes share school years.
 */
const gradeRow = (schoolId: string, schoolYear: string, grade: string, proficient: number) => ({
  schoolId,
  schoolYear,
  window: 'annual',
  assessment: 'state_test',
  subject: 'math',
  grade,
  studentGroup: 'all',
  tested: 40,
  proficient,
});
const pushOf = (years: readonly string[], grades: string[], proficient: number) =>
  years.flatMap((year) => SCHOOLS.flatMap((school) => grades.map((grade) => gradeRow(school, year, grade, proficient))));

type Values = Map<string, { numerator: number; denominator: number }>;

/** What the log says a school year's math proficiency is once the records known by `at` are counted: the grades summed. */
function valuesFromTheLog(log: readonly StoredEvent[], at: number): Values {
  const values: Values = new Map();
  for (const event of log) {
    if (event.type !== 'AssessmentResultsReported' || Date.parse(event.metadata.recordedAt) > at) continue;
    const record = event.data as ReturnType<typeof gradeRow>;
    const key = `${record.schoolId}|${record.schoolYear}`;
    const value = values.get(key) ?? { numerator: 0, denominator: 0 };
    values.set(key, { numerator: value.numerator + record.proficient, denominator: value.denominator + record.tested });
  }
  return values;
}

async function readValues(metrics: MetricQueries, asOf?: Date): Promise<Values> {
  const values: Values = new Map();
  for (const school of SCHOOLS) {
    const readings = await metrics.school(school, undefined, asOf).catch(() => []);
    for (const reading of readings)
      if (reading.metric === 'proficiency.math')
        values.set(`${school}|${reading.schoolYear}`, { numerator: reading.numerator as number, denominator: reading.denominator as number });
  }
  return values;
}

describe.each(testDatabases({ timescaledb: true }))('knowledge time follows the log, on $name', (database) => {
  it('gives as-of reads of two interleaved pushes exactly the facts stored by then, never less than a live reader saw', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    const batches = await FeedBatches.create(sql);
    const profiles = await ProfileCatalogue.load();
    const runner = new LogFollower(store, sql, readSideProjection({ rules: { tolerance: 0 }, catalogues: testCatalogues() }));
    await runner.start();
    const metrics = new MetricQueries(sql);
    const context = { channel: 'http' as const, actor: 'data-team', correlationId: 'test' };

    // A reader polling live while two pushes of 3,600 records each (four chunks each) run at once.
    const seen: { at: Date; values: Values }[] = [];
    let pushing = true;
    const poller = (async () => {
      while (pushing) {
        const values = await readValues(metrics);
        seen.push({ at: new Date(), values });
      }
    })();
    const [first, second] = await Promise.all([
      new FeedIngestor(store, batches, profiles, testCatalogues().indicators).ingestJson(
        'assessment',
        pushOf(YEARS, ['03', '04', '05', '06', '07'], 10),
        context,
      ),
      new FeedIngestor(store, batches, profiles, testCatalogues().indicators).ingestJson(
        'assessment',
        pushOf([...YEARS].reverse(), ['08', '09', '10', '11', '12'], 20),
        context,
      ),
    ]);
    expect([first.accepted, second.accepted]).toEqual([3600, 3600]);
    const log = await wholeLog(store, sql);
    expect(await runner.waitFor(log[log.length - 1].position, 60_000)).toBe(true);
    pushing = false;
    await poller;
    await runner.stop();

    // The pushes did interleave in the log: a record of the first push follows one of the second.
    const pushesInLogOrder = log.filter((event) => event.type === 'AssessmentResultsReported').map((event) => event.metadata.source.batchId);
    expect(pushesInLogOrder.some((push, index) => index > 0 && push === first.batchId && pushesInLogOrder[index - 1] === second.batchId)).toBe(true);
    // Knowledge time never goes back along the log.
    const knownAt = log.map((event) => Date.parse(event.metadata.recordedAt));
    knownAt.forEach((time, index) => expect(time).toBeGreaterThanOrEqual(knownAt[Math.max(0, index - 1)]));

    // As of every knowledge time in the log, and moments the live reader read: exactly the records stored by then.
    const sampled = seen.filter((_, index) => index % Math.ceil(seen.length / 20) === 0);
    const moments = [...new Set(knownAt)].map((time) => new Date(time)).concat(sampled.map((read) => read.at));
    for (const moment of moments) expect(await readValues(metrics, moment)).toEqual(valuesFromTheLog(log, moment.getTime()));
    // A live reader lags an as-of read, never leads it: what it saw is there, with no fewer students, as of when it saw it.
    expect(seen.length).toBeGreaterThan(0);
    for (const read of seen) {
      const asOf = valuesFromTheLog(log, read.at.getTime());
      for (const [key, value] of read.values) expect(asOf.get(key)?.denominator ?? 0).toBeGreaterThanOrEqual(value.denominator);
    }
    await store.close();
  });
});
