import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@turnaround/all-in-one';
import { PostgresEventStore, rebuildProjection, START, StoredEvent } from '@turnaround/event-store';
import { createFeedPipeline, loadMetricCatalogues } from '@turnaround/feeds';
import { createPgClient, createPgliteClient, SqlClient } from '@turnaround/postgres';
import { openScratchDatabase } from '@turnaround/postgres/testing';
import { KafkaMessageBus, topicsOf } from '@turnaround/messaging';
import { SQL_CLIENT } from '@turnaround/platform';
import { metricsProjection } from '@turnaround/read-model';
import { loadRegistry, stateDataset } from '@turnaround/demo';
import { testConfig, TEST_STATE_KEY } from '../e2e/support/app';
import { writeAssessmentCsv } from '../e2e/support/feed-files';
import { dashboardsOn, dashboardsTable, PanelFigure } from './dashboards.bench';
import { ready, ReadFigure, readsOn, readsTable } from './reads.bench';
import { timed } from './timing';

/**
 * `npm run bench`: the pipeline's speed, each figure beside a baseline measured in the same run
 * on the same database, and the aims of issue 34 beside the figures they are set on. Not a test:
 * nothing here fails on a number.
 *
 * BENCH_ROWS (default 50,000) assessment rows, 28 per school (about 1,800 schools), on PGlite
 * and, when DATABASE_URL is set, on PostgreSQL (and through Kafka when KAFKA_BROKERS is set too).
 * On PostgreSQL it also loads the state-sized dataset of the demo's generator (BENCH_STATE_SCHOOLS
 * schools, default 1,800) and replays it, and grows a log to each of BENCH_GROWTH events (default
 * 250000,500000,1000000,2000000), rebuilding the read side at each size. On the state dataset,
 * once replayed, it measures the API's reads under load (`reads.bench.ts`). When
 * TIMESCALE_DATABASE_URL is set it loads the state dataset into TimescaleDB too, and times every
 * provisioned dashboard panel's query on it (`dashboards.bench.ts`).
 *
 * Baselines: an ingest (CSV or JSON) beside a raw COPY of the events it stored, into a table
 * with the event store's definition and indexes: the storage an event store must do. Kafka
 * ingest beside the same records pushed as JSON over HTTP into the same service. A rebuild or
 * replay beside a bare read of the log.
 *
 * BENCH_ONLY=reads (on DATABASE_URL) or BENCH_ONLY=dashboards (on TIMESCALE_DATABASE_URL) runs
 * that part alone on an already loaded database (the header of its file says how).
 * Results: tables on stdout and tmp/bench/results.json.
 */
const ROWS = Number(process.env.BENCH_ROWS ?? 50_000);
/** The log sizes of the growth table, smallest first. */
const GROWTH_SIZES = (process.env.BENCH_GROWTH ?? '250000,500000,1000000,2000000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
if (!GROWTH_SIZES.every((size) => Number.isInteger(size) && size > 0))
  throw new Error(`BENCH_GROWTH: expected event counts separated by commas, e.g. 250000,500000, got '${process.env.BENCH_GROWTH}'`);
const PER_SCHOOL = 28;
const LATENCY_SAMPLES = 40;

interface Figure {
  database: string;
  figure: string;
  value: number;
  unit: string;
  baseline?: number;
  /** What the baseline measured. */
  baselineOf?: string;
  ratio?: number;
  /** Set from AIMS on the figures that have one. */
  aim?: string;
  met?: boolean;
}

const figures: Figure[] = [];

/** One size of the growth table: the read side rebuilt from a log of `events`, beside a bare read of it. */
interface GrowthStep {
  events: number;
  rebuildSeconds: number;
  /** The replay process's peak RSS. */
  peakMib: number;
  eventsPerSecond: number;
  microsecondsPerEvent: number;
  readEventsPerSecond: number;
  ratioToRead: number;
  /** Microseconds per event against those at the smallest size: about 1.0 while the cost stays flat as the log grows. */
  costVsSmallest: number;
}

const growth: GrowthStep[] = [];

/**
 * Issue 34's aims, each on the figure of that database whose name starts with `figure`: its
 * ratio to its baseline at least `ratio`, or its value below `below`. The reads' aim is in
 * reads.bench.ts, the dashboards' in dashboards.bench.ts.
 */
const AIMS: readonly { database: string; figure: string; ratio?: number; below?: number; unit?: string }[] = [
  { database: 'postgres', figure: 'turnaround replay, state dataset', ratio: 0.35 },
  { database: 'postgres', figure: 'peak RSS of the replay of the largest log', below: 500, unit: 'MiB' },
  { database: 'pglite', figure: 'ingest, CSV through the feed pipeline', ratio: 0.6 },
  { database: 'postgres', figure: 'ingest, CSV through the feed pipeline', ratio: 0.6 },
  { database: 'postgres', figure: 'ingest, state dataset', ratio: 0.6 },
  // First batch to last, beside the HTTP pushes' first to last: the service's start and the
  // consumer group's join are left out of both (the figure from the start is shown beside its own).
  { database: 'postgres', figure: 'ingest, Kafka messages, first batch to last', ratio: 0.8 },
];

/** The columns an append's COPY loads into es_events (the event store's `copyEvents`); the others take their defaults. */
const EVENT_COLUMNS = ['stream_id', 'stream_revision', 'event_id', 'event_type', 'schema_version', 'data', 'metadata', 'recorded_at'] as const;
/** Events a COPY of the raw baseline loads. */
const COPY_PAGE = 10_000;

/**
 * The baseline for ingest (issue 34): the storage an event store must do. The events the
 * pipeline has just stored (those after position `after`) are loaded again, by the project's COPY
 * (`SqlExecutor.copyFrom`, as the event store's large appends load them), into `bench_events`: a
 * table with es_events' definition, indexes and defaults (a sequence of its own for the
 * position), so with the same data text, metadata and knowledge times. They are read back as
 * text, 10,000 at a time; only the COPYs are timed. The table is dropped after. Returns the
 * events loaded and the seconds their COPYs took.
 */
async function rawCopy(sql: SqlClient, after: number): Promise<{ events: number; seconds: number }> {
  await sql.query('CREATE TABLE bench_events (LIKE es_events INCLUDING ALL)');
  await sql.query('CREATE SEQUENCE bench_events_position OWNED BY bench_events.global_position');
  await sql.query(`ALTER TABLE bench_events ALTER COLUMN global_position SET DEFAULT nextval('bench_events_position')`);
  let events = 0;
  let seconds = 0;
  for (let position = after; ; ) {
    const rows = await sql.query<Record<(typeof EVENT_COLUMNS)[number], string> & { global_position: number }>(
      `SELECT global_position, ${EVENT_COLUMNS.map((column) => `${column}::text`).join(', ')} FROM es_events
       WHERE global_position > $1 ORDER BY global_position LIMIT ${COPY_PAGE}`,
      [position],
    );
    if (rows.length === 0) break;
    const copy = await timed(() =>
      sql.copyFrom(
        'bench_events',
        EVENT_COLUMNS,
        rows.map((row) => EVENT_COLUMNS.map((column) => row[column])),
      ),
    );
    seconds += copy.seconds;
    events += rows.length;
    position = rows[rows.length - 1].global_position;
  }
  await sql.query('DROP TABLE bench_events');
  return { events, seconds };
}

/** The last position of the log on `sql` (0 when it is empty): where the events of an ingest about to run will start after. */
async function lastPosition(sql: SqlClient): Promise<number> {
  const [{ last }] = await sql.query<{ last: number }>('SELECT coalesce(max(global_position), 0)::int8 AS last FROM es_events');
  return last;
}

async function readEverything(store: PostgresEventStore): Promise<number> {
  let after = START;
  let count = 0;
  for (;;) {
    const page: StoredEvent[] = await store.readAll({ after, limit: 500 });
    if (page.length === 0) return count;
    count += page.length;
    after = page[page.length - 1].position;
  }
}

function peakRss<T>(work: () => Promise<T>): Promise<{ peakMb: number; result: T }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return work().then((result) => {
    clearInterval(timer);
    return { peakMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20), result };
  });
}

/**
 * How many times the 50,000-row figures are taken, each beside its own baseline on a database
 * of its own. This machine's speed moves by up to a factor of two from one minute to the next;
 * the figure given is the run with the median ratio.
 */
const RUNS = 3;

interface Run {
  value: number;
  baseline: number;
  baselineOf?: string;
  ratio: number;
}

function medianRun(runs: readonly Run[]): Run {
  return [...runs].sort((a, b) => a.ratio - b.ratio)[Math.floor(runs.length / 2)];
}

/**
 * An ingest of `records` records that took `seconds`, beside the raw COPY of the events it
 * stored (`rawCopy`): both as records a second, so the ratio is the COPY's time over the ingest's.
 */
function ingestRun(records: number, seconds: number, raw: { events: number; seconds: number }): Run {
  const value = records / seconds;
  const baseline = records / raw.seconds;
  return { value, baseline, baselineOf: `raw COPY of its ${raw.events} events into an indexed es_events`, ratio: value / baseline };
}

/** CSV ingest and the metrics rebuild, RUNS times on a fresh database from `open` (closed with its event store; a scratch database is dropped). */
async function pipelineOn(database: string, open: () => Promise<SqlClient>, file: string): Promise<void> {
  const ingests: Run[] = [];
  const rebuilds: Run[] = [];
  let peakMb = 0;
  let events = 0;
  const { indicators } = await loadMetricCatalogues();
  for (let run = 0; run < RUNS; run += 1) {
    const sql = await open();
    const store = await PostgresEventStore.create(sql);
    const { ingestor } = await createFeedPipeline(store, sql, indicators);
    const ingest = await timed(() => ingestor.ingestCsv('assessment', createReadStream(file), { channel: 'cli', actor: 'bench', correlationId: 'bench' }));
    ingests.push(ingestRun(ingest.result.accepted, ingest.seconds, await rawCopy(sql, 0)));

    const read = await timed(() => readEverything(store));
    const rebuild = await peakRss(() => timed(() => rebuildProjection(store, sql, metricsProjection(indicators))));
    const readRate = read.result / read.seconds;
    const rebuildRate = read.result / rebuild.result.seconds;
    rebuilds.push({ value: rebuildRate, baseline: readRate, baselineOf: 'bare read of the log', ratio: rebuildRate / readRate });
    peakMb = Math.max(peakMb, rebuild.peakMb);
    events = read.result;
    await store.close();
  }
  figures.push({ database, figure: `ingest, CSV through the feed pipeline (median of ${RUNS})`, unit: 'records/s', ...medianRun(ingests) });
  figures.push({ database, figure: `rebuild of the metrics projection (median of ${RUNS})`, unit: 'events/s', ...medianRun(rebuilds) });
  figures.push({ database, figure: `peak RSS during the rebuild of ${events} events`, value: peakMb, unit: 'MiB' });
}

/** The state-sized dataset's schools: BENCH_STATE_SCHOOLS, default 1,800 (about 890,000 records); 48 or more, for its three zones. */
const STATE_SCHOOLS = Number(process.env.BENCH_STATE_SCHOOLS ?? 1_800);
if (!Number.isInteger(STATE_SCHOOLS) || STATE_SCHOOLS < 48)
  throw new Error(`BENCH_STATE_SCHOOLS: expected a whole number of schools, 48 or more, got '${process.env.BENCH_STATE_SCHOOLS}'`);

/**
 * The all-in-one service in this process on the database of `env.DATABASE_URL`, listening on a
 * free port while `work` runs with its base URL and the time it started listening at (hrtime):
 * the set-up that goes through the API (the registry), waiting for its read side, and the HTTP
 * pushes beside Kafka. The reads run the built service in a process of its own instead.
 */
async function withService<T>(env: Record<string, string>, work: (base: string, started: bigint) => Promise<T>): Promise<T> {
  const app = await createApp(testConfig(env), { logger: false });
  try {
    const started = process.hrtime.bigint();
    await app.listen(0, '127.0.0.1');
    return await work((await app.getUrl()).replace('[::1]', '127.0.0.1'), started);
  } finally {
    await app.close();
  }
}

/**
 * The state-sized dataset into `database` (left open, for the reads or the dashboards), a
 * PostgreSQL or TimescaleDB server's (`name`): the registry entered through the service's API,
 * the feeds pushed as JSON through the feed pipeline (beside a raw COPY of the events they
 * stored), then `turnaround replay` in a process of its own: its rate against a bare read of the
 * same log, and its peak RSS (VmHWM from /proc, so Linux only).
 */
async function stateDatasetOn(database: SqlClient & { url: string }, name: 'postgres' | 'timescaledb'): Promise<void> {
  const dataset = stateDataset({ schools: STATE_SCHOOLS });
  await withService({ DATABASE_URL: database.url }, (base) => loadRegistry(base, TEST_STATE_KEY, dataset.registry));
  // No subscription is started on this store, so it needs no closing of its own: its database is the caller's.
  const store = await PostgresEventStore.create(database);
  const registered = await lastPosition(database);
  const { ingestor } = await createFeedPipeline(store, database, (await loadMetricCatalogues()).indicators);
  const ingest = await timed(async () => {
    let accepted = 0;
    for (const push of dataset.pushes())
      accepted += (await ingestor.ingestJson(push.kind, push.records, { channel: 'cli', actor: 'bench', correlationId: push.label })).accepted;
    return accepted;
  });
  figures.push({
    database: name,
    figure: `ingest, state dataset (${ingest.result} records) as JSON`,
    unit: 'records/s',
    ...ingestRun(ingest.result, ingest.seconds, await rawCopy(database, registered)),
  });

  const read = await timed(() => readEverything(store));
  const replay = await replayInChild(database.url);
  const readRate = read.result / read.seconds;
  const rate = read.result / replay.seconds;
  figures.push({
    database: name,
    figure: `turnaround replay, state dataset (${read.result} events)`,
    value: rate,
    unit: 'events/s',
    baseline: readRate,
    baselineOf: 'bare read of the log',
    ratio: rate / readRate,
  });
  figures.push({ database: name, figure: `peak RSS of that replay (own process)`, value: replay.peakMib, unit: 'MiB' });
}

/**
 * Until the service, started on the database of `databaseUrl`, has every runner at the head of
 * the log: a replay rebuilds the read models, but the alerting raises its alerts (and the alerts'
 * read model takes them in) as the live service follows the log. The dashboards then read what
 * the reads' service has caught up before the reads are measured.
 */
async function caughtUp(databaseUrl: string): Promise<void> {
  await withService({ DATABASE_URL: databaseUrl, READY_MAX_LAG_EVENTS: '0' }, (base) => ready(base));
}

/**
 * A deployable as production runs it (`nx build`, as in the image): compiled JavaScript, with no
 * TypeScript compiled as it starts, which cost a replay about 0.6 s. Each is built once per bench
 * run, from the sources being measured.
 */
const built = new Set<string>();
function builtEntry(project: 'services/cli' | 'services/all-in-one'): string {
  if (!built.has(project)) {
    execFileSync(process.execPath, ['infra/build.js', project], { stdio: ['ignore', 'ignore', 'inherit'] });
    built.add(project);
  }
  return `dist/${project}/main.js`;
}

/** The replay's heap limit, as README's command for the image gives it: it bounds the records folded in memory, and the peak. */
const REPLAY_HEAP_MIB = 384;

/**
 * `turnaround replay` against `databaseUrl` in a process of its own, as an operator runs it (the
 * built CLI, with the heap limit of README's command): its time, and its peak RSS (VmHWM from
 * /proc, so Linux only), sampled while it runs.
 */
async function replayInChild(databaseUrl: string): Promise<{ seconds: number; peakMib: number }> {
  const child = spawn(process.execPath, [`--max-old-space-size=${REPLAY_HEAP_MIB}`, builtEntry('services/cli'), 'replay'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let peakKb = 0;
  const timer = setInterval(() => {
    try {
      const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      // the process has just exited
    }
  }, 50);
  const replay = await timed(async () => {
    const [code] = await once(child, 'exit');
    if (code !== 0) throw new Error(`turnaround replay exited with ${code}`);
  });
  clearInterval(timer);
  return { seconds: replay.seconds, peakMib: Math.round(peakKb / 1024) };
}

/**
 * `turnaround replay` as the log grows to each of GROWTH_SIZES, on a scratch database of its
 * own: is the cost per event flat, or does it climb with the log, and does its memory? The log is grown, never
 * started over: each step appends the feeds of more of the demo's state-dataset schools (496
 * records each) through the feed pipeline's JSON ingest, as `stateDatasetOn` does. Ingest
 * rather than prepared events appended with `appendMany`: the events, their metadata and the
 * batch-closed markers are then exactly what the read side sees in production, at the price of a
 * slower set-up (it is not timed). Every school the largest size needs is registered at the start,
 * through the API: registering more at each step would start the service on a grown log, whose
 * projections would first catch up live (a second, untimed rebuild); and a state enters its
 * registry before its feeds anyway. At each size `turnaround replay` runs in a process of its
 * own (its time and peak RSS), beside a bare read of the log.
 */
async function growthOn(serverUrl: string): Promise<void> {
  const perSchool = stateDataset({ schools: 1 }).recordCount;
  const registry = stateDataset({ schools: Math.ceil((GROWTH_SIZES.at(-1) as number) / perSchool) }).registry;
  const database = await openScratchDatabase(serverUrl);
  await withService({ DATABASE_URL: database.url }, (base) => loadRegistry(base, TEST_STATE_KEY, registry));
  const store = await PostgresEventStore.create(database);
  try {
    const { ingestor } = await createFeedPipeline(store, database, (await loadMetricCatalogues()).indicators);
    let events = await readEverything(store);
    let schools = 0;
    for (const size of GROWTH_SIZES) {
      const upTo = Math.min(registry.schools.length, schools + Math.ceil(Math.max(0, size - events) / perSchool));
      // The generator draws each school's figures in order, so its first `upTo` schools are the
      // same whatever the size asked for: the records of schools `schools` to `upTo` are new.
      const added = new Set(registry.schools.slice(schools, upTo).map((school) => (school as { schoolId: string }).schoolId));
      for (const push of stateDataset({ schools: upTo }).pushes()) {
        const records = push.records.filter((record) => added.has(record.schoolId as string));
        if (records.length > 0) await ingestor.ingestJson(push.kind, records, { channel: 'cli', actor: 'bench', correlationId: `growth ${push.label}` });
      }
      schools = upTo;

      const read = await timed(() => readEverything(store));
      events = read.result;
      const rebuild = await replayInChild(database.url);
      const rate = events / rebuild.seconds;
      const readRate = events / read.seconds;
      const microsecondsPerEvent = (rebuild.seconds * 1e6) / events;
      growth.push({
        events,
        rebuildSeconds: rebuild.seconds,
        peakMib: rebuild.peakMib,
        eventsPerSecond: rate,
        microsecondsPerEvent,
        readEventsPerSecond: readRate,
        ratioToRead: rate / readRate,
        costVsSmallest: microsecondsPerEvent / (growth[0]?.microsecondsPerEvent ?? microsecondsPerEvent),
      });
      figures.push({
        database: 'postgres',
        figure: `turnaround replay, log grown to ${events} events`,
        value: rate,
        unit: 'events/s',
        baseline: readRate,
        baselineOf: 'bare read of the log',
        ratio: rate / readRate,
      });
    }
    const largest = growth.at(-1) as GrowthStep;
    figures.push({ database: 'postgres', figure: `peak RSS of the replay of the largest log (${largest.events} events)`, value: largest.peakMib, unit: 'MiB' });
  } finally {
    await store.close();
  }
}

/** A distinct attendance record per n: schools of 28 weekly periods each. */
function attendanceRecord(n: number) {
  const start = new Date(Date.UTC(2024, 8, 2 + 7 * (n % PER_SCHOOL)));
  return {
    schoolId: `K${String(Math.floor(n / PER_SCHOOL)).padStart(5, '0')}`,
    schoolYear: '2024-25',
    periodStart: start.toISOString().slice(0, 10),
    periodEnd: new Date(start.getTime() + 4 * 86_400_000).toISOString().slice(0, 10),
    membershipDays: 2000,
    attendanceDays: 1900,
  };
}

/** Records a Kafka publish or an HTTP push carries: the same chunks for both. */
const PUSH_CHUNK = 5_000;

/** Pushes `records` of feed `kind` as one JSON body to the service at `base`, as a data team's script does; the records it accepted. */
async function pushJson(base: string, kind: string, records: readonly unknown[]): Promise<number> {
  const response = await fetch(`${base}/api/v1/feeds/${kind}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_STATE_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(records),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST /api/v1/feeds/${kind} answered ${response.status}: ${text.slice(0, 500)}`);
  return (JSON.parse(text) as { accepted: number }).accepted;
}

/**
 * The baseline for Kafka ingest (issue 34): the same records pushed as JSON over HTTP through the
 * same pipeline, PUSH_CHUNK a push and one at a time, into the all-in-one service on a scratch
 * database of its own. Its seconds from the service's start (as the Kafka figure counts it) and
 * from the first push sent to the last answered.
 */
async function httpJsonIngest(serverUrl: string, records: readonly object[]): Promise<{ fromStart: number; firstToLast: number }> {
  const database = await openScratchDatabase(serverUrl);
  try {
    return await withService({ DATABASE_URL: database.url }, async (base, started) => {
      const pushes = await timed(async () => {
        let accepted = 0;
        for (let start = 0; start < records.length; start += PUSH_CHUNK)
          accepted += await pushJson(base, 'attendance', records.slice(start, start + PUSH_CHUNK));
        return accepted;
      });
      if (pushes.result !== records.length) throw new Error(`the HTTP pushes accepted ${pushes.result} of ${records.length} records`);
      return { fromStart: Number(process.hrtime.bigint() - started) / 1e9, firstToLast: pushes.seconds };
    });
  } finally {
    await database.close();
  }
}

/**
 * Feed records through Kafka into the all-in-one service on PostgreSQL, beside the same records
 * pushed as JSON over HTTP into the same service (`httpJsonIngest`): from the service's start to
 * the last record, which includes joining the consumer group, and from the first batch to the last.
 */
async function kafkaIngest(serverUrl: string, brokers: string[]): Promise<void> {
  const records = Array.from({ length: ROWS }, (_, n) => attendanceRecord(n));
  const http = await httpJsonIngest(serverUrl, records);
  const prefix = `bench-${Date.now()}.`;
  const topic = topicsOf(prefix).feed('attendance');
  const bus = new KafkaMessageBus(brokers, 'turnaround-bench');
  const messages = records.map((record) => ({ key: record.schoolId, value: JSON.stringify(record) }));
  for (let start = 0; start < messages.length; start += PUSH_CHUNK) await bus.publish(topic, messages.slice(start, start + PUSH_CHUNK));

  const database = await openScratchDatabase(serverUrl);
  const app = await createApp(testConfig({ DATABASE_URL: database.url, KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix }), { logger: false });
  try {
    const sql = app.get<SqlClient>(SQL_CLIENT);
    const ingest = await timed(async () => {
      await app.init();
      for (;;) {
        const [{ accepted }] = await sql.query<{ accepted: number }>(
          `SELECT coalesce(sum(accepted), 0)::int AS accepted FROM feed_batches WHERE channel = 'kafka'`,
        );
        if (accepted >= ROWS) return accepted;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    const rate = ingest.result / ingest.seconds;
    const httpRate = ROWS / http.fromStart;
    figures.push({
      database: 'postgres',
      figure: 'ingest, Kafka messages (all-in-one), from its start',
      value: rate,
      unit: 'records/s',
      baseline: httpRate,
      baselineOf: `the same records as JSON over HTTP, ${PUSH_CHUNK} a push, from its start`,
      ratio: rate / httpRate,
    });
    // The same from the first batch handled to the last, without the service's start and the
    // group's join (a few seconds, which weigh on 50,000 records), beside the pushes' first to last.
    const [steady] = await sql.query<{ seconds: number }>(
      `SELECT extract(epoch FROM max(finished_at) - min(started_at))::float8 AS seconds FROM feed_batches WHERE channel = 'kafka'`,
    );
    const steadyRate = ingest.result / steady.seconds;
    const httpSteadyRate = ROWS / http.firstToLast;
    figures.push({
      database: 'postgres',
      figure: 'ingest, Kafka messages, first batch to last',
      value: steadyRate,
      unit: 'records/s',
      baseline: httpSteadyRate,
      baselineOf: `the same over HTTP, first push to last answer`,
      ratio: steadyRate / httpSteadyRate,
    });
  } finally {
    await app.close();
    await database.close();
    await bus.close();
  }
}

/** From a feed record accepted over HTTP to its alert visible in the API, on the embedded default. */
async function feedToAlertLatency(file: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'turnaround-bench-'));
  const app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_STATE_KEY}`, 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return response.json() as Promise<unknown>;
  };
  try {
    // HTTP CSV ingest into the same app, beside the raw figures above
    const http = await timed(() =>
      fetch(`${base}/api/v1/feeds/assessment`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_STATE_KEY}`, 'content-type': 'text/csv' },
        body: createReadStream(file) as unknown as ReadableStream,
        duplex: 'half',
      } as RequestInit).then((response) => response.json() as Promise<{ accepted: number }>),
    );
    figures.push({ database: 'pglite', figure: 'ingest, CSV over HTTP (all-in-one)', value: http.result.accepted / http.seconds, unit: 'records/s' });

    const clusters = LATENCY_SAMPLES / 5;
    await call('POST', '/api/v1/zones', { zoneId: 'Z', stateCode: 'MA', name: 'Bench zone', districtIds: ['D1'] });
    await call('POST', '/api/v1/partners', { partnerId: 'P', name: 'Bench partner', role: 'lead' });
    for (let c = 0; c < clusters; c++) {
      await call('POST', '/api/v1/clusters', { clusterId: `C${c}`, zoneId: 'Z', name: `Cluster ${c}` });
      const schoolIds = Array.from({ length: 5 }, (_, s) => `L${c}-${s}`);
      for (const schoolId of schoolIds) {
        await call('POST', '/api/v1/schools', { schoolId, districtId: 'D1', name: schoolId, gradeSpan: '06-08' });
        await call('POST', `/api/v1/schools/${schoolId}/cluster-assignments`, { clusterId: `C${c}`, fromYear: '2023-24', strategy: 'transformation' });
      }
      await call('POST', '/api/v1/contracts', {
        contractId: `K${c}`,
        partnerId: 'P',
        clusterId: `C${c}`,
        schoolIds,
        governance: 'district_lead_partner',
        startYear: '2023-24',
        termYears: 3,
        baselineYear: '2022-23',
        targets: [{ metric: 'attendance_rate', contractYear: 1, kind: 'absolute', value: 0.93, scope: 'school' }],
      });
    }
    const samples: number[] = [];
    for (let c = 0; c < clusters; c++) {
      for (let s = 0; s < 5; s++) {
        const schoolId = `L${c}-${s}`;
        await call('POST', '/api/v1/feeds/attendance', [
          { schoolId, schoolYear: '2023-24', periodStart: '2023-09-01', periodEnd: '2024-06-30', membershipDays: 1000, attendanceDays: 900 },
        ]);
        const accepted = process.hrtime.bigint();
        for (;;) {
          const alerts = (await call('GET', `/api/v1/alerts?contractId=K${c}`)) as { schoolId: string }[];
          if (alerts.some((alert) => alert.schoolId === schoolId)) break;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        samples.push(Number(process.hrtime.bigint() - accepted) / 1e6);
      }
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)];
    figures.push({ database: 'pglite', figure: `feed-to-alert latency p50 (${samples.length} alerts)`, value: at(0.5), unit: 'ms' });
    figures.push({ database: 'pglite', figure: `feed-to-alert latency p99 (${samples.length} alerts)`, value: at(0.99), unit: 'ms' });
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const reads: ReadFigure[] = [];
const dashboards: PanelFigure[] = [];

/** The results, as the tables print them, in tmp/bench/results.json (a part run alone writes its own alone). */
function writeResults(results: object): void {
  mkdirSync('tmp/bench', { recursive: true });
  writeFileSync('tmp/bench/results.json', JSON.stringify({ takenAt: new Date().toISOString(), ...results }, null, 2));
}

/** `BENCH_ONLY=reads`: the reads alone, on the already loaded database of DATABASE_URL. */
async function readsOnly(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_ONLY=reads: set DATABASE_URL to a database that holds a log and its registry');
  reads.push(...(await readsOn(databaseUrl, builtEntry('services/all-in-one'))));
  process.stdout.write(`${readsTable(reads)}\n`);
  writeResults({ reads });
}

/**
 * `BENCH_ONLY=dashboards`: the dashboards' queries alone, on the database of
 * TIMESCALE_DATABASE_URL, which holds a replayed log; with BENCH_LOAD_STATE=1, an empty database
 * into which the state dataset is loaded first, and kept.
 */
async function dashboardsOnly(): Promise<void> {
  const databaseUrl = process.env.TIMESCALE_DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_ONLY=dashboards: set TIMESCALE_DATABASE_URL to a TimescaleDB database that holds a replayed log and its registry');
  if (process.env.BENCH_LOAD_STATE === '1') {
    const database = Object.assign(createPgClient(databaseUrl), { url: databaseUrl });
    try {
      const [{ events }] = await database.query<{ events: boolean }>(`SELECT to_regclass('es_events') IS NOT NULL AS events`);
      if (events) throw new Error('BENCH_LOAD_STATE=1: the database already holds an event log; load the state dataset into an empty one');
      await stateDatasetOn(database, 'timescaledb');
      await caughtUp(databaseUrl);
    } finally {
      await database.close();
    }
    process.stdout.write(`${figuresTable(`turnaround-monitor bench: the state dataset (${STATE_SCHOOLS} schools) loaded into TimescaleDB`)}\n\n`);
  }
  dashboards.push(...(await dashboardsOn(databaseUrl)));
  process.stdout.write(`${dashboardsTable(dashboards)}\n`);
  writeResults({ figures, dashboards });
}

/** The figures under `title` as a table: each beside its baseline (what it measured, its value, the ratio) and, where issue 34 sets one, its aim. */
function figuresTable(title: string): string {
  const lines = figures.map((f) =>
    [
      f.database.padEnd(11),
      f.figure.padEnd(52),
      `${f.value.toFixed(f.unit === 'ms' ? 1 : 0)} ${f.unit}`.padStart(20),
      f.baseline === undefined ? '' : `vs ${f.baselineOf}: ${f.baseline.toFixed(0)} ${f.unit}, ratio ${(f.ratio as number).toFixed(2)}`,
      f.aim === undefined ? '' : `(aim ${f.aim}: ${f.met ? 'met' : 'NOT met'})`,
    ].join('  '),
  );
  return `${title}\n${lines.join('\n')}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'turnaround-bench-data-'));
  const file = join(dir, 'assessment.csv');
  await writeAssessmentCsv(file, ROWS, PER_SCHOOL);
  try {
    // PGlite in a directory, as the embedded default keeps it under ./data: in memory, every
    // growth of a table's file copies the file whole (a sixth of an in-memory CSV ingest).
    await pipelineOn('pglite', () => createPgliteClient(mkdtempSync(join(dir, 'pglite-'))), file);
    const serverUrl = process.env.DATABASE_URL;
    if (serverUrl) await pipelineOn('postgres', () => openScratchDatabase(serverUrl), file);
    if (serverUrl && process.env.KAFKA_BROKERS) await kafkaIngest(serverUrl, process.env.KAFKA_BROKERS.split(','));
    if (serverUrl) {
      const database = await openScratchDatabase(serverUrl);
      try {
        await stateDatasetOn(database, 'postgres');
        reads.push(...(await readsOn(database.url, builtEntry('services/all-in-one'))));
      } finally {
        await database.close();
      }
    }
    const timescaleUrl = process.env.TIMESCALE_DATABASE_URL;
    if (timescaleUrl) {
      const database = await openScratchDatabase(timescaleUrl, { extensions: ['timescaledb'] });
      try {
        await stateDatasetOn(database, 'timescaledb');
        await caughtUp(database.url);
        dashboards.push(...(await dashboardsOn(database.url)));
      } finally {
        await database.close();
      }
    }
    if (serverUrl) await growthOn(serverUrl);
    await feedToAlertLatency(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const aimed = AIMS.map((aim) => {
    const figure = figures.find((f) => f.database === aim.database && f.figure.startsWith(aim.figure));
    const text = aim.ratio !== undefined ? `>= ${aim.ratio}x baseline` : `< ${aim.below} ${aim.unit}`;
    if (figure) {
      figure.aim = text;
      figure.met = aim.ratio !== undefined ? (figure.ratio as number) >= aim.ratio : figure.value < (aim.below as number);
    }
    return { aim, figure, text };
  });

  process.stdout.write(`${figuresTable(`turnaround-monitor bench: ${ROWS} assessment rows (${Math.ceil(ROWS / PER_SCHOOL)} schools)`)}\n`);
  if (growth.length > 0) {
    const row = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padStart(10) : cell.padStart(12))).join('  ');
    const steps = growth.map((step) =>
      row([
        String(step.events),
        step.rebuildSeconds.toFixed(1),
        step.eventsPerSecond.toFixed(0),
        step.microsecondsPerEvent.toFixed(1),
        step.ratioToRead.toFixed(2),
        step.costVsSmallest.toFixed(2),
        String(step.peakMib),
      ]),
    );
    process.stdout.write(
      `\nturnaround replay as the log grows (postgres)\n${row(['events', 'replay s', 'events/s', 'us/event', 'vs read', 'vs smallest', 'peak MiB'])}\n${steps.join('\n')}\n`,
    );
  }
  const aims = aimed.map(({ aim, figure, text }) =>
    [
      aim.database.padEnd(9),
      aim.figure.padEnd(44),
      text.padEnd(18),
      figure === undefined
        ? 'not measured'
        : `${aim.ratio !== undefined ? `${(figure.ratio as number).toFixed(2)}x` : `${figure.value} ${figure.unit}`}  ${figure.met ? 'met' : 'NOT met'}`,
    ].join('  '),
  );
  if (reads.length > 0) process.stdout.write(`\n${readsTable(reads)}\n`);
  if (dashboards.length > 0) process.stdout.write(`\n${dashboardsTable(dashboards)}\n`);
  process.stdout.write(`\naims of issue 34\n${aims.join('\n')}\n`);
  for (const aim of new Set(reads.map((read) => read.aim).filter((aim) => aim !== undefined))) {
    const aimed = reads.filter((read) => read.aim === aim);
    process.stdout.write(`reads: ${aim}: met by ${aimed.filter((read) => read.met).length} of ${aimed.length}\n`);
  }
  if (dashboards.length > 0)
    process.stdout.write(`dashboards: ${dashboards[0].aim}: met by ${dashboards.filter((panel) => panel.met).length} of ${dashboards.length} queries\n`);
  else process.stdout.write('dashboards: not measured (set TIMESCALE_DATABASE_URL)\n');
  writeResults({ rows: ROWS, figures, growth, reads, dashboards });
}

/** The parts that run alone (BENCH_ONLY), each on an already loaded database. */
const PARTS: Record<string, () => Promise<void>> = { reads: readsOnly, dashboards: dashboardsOnly };
const only = process.env.BENCH_ONLY;
if (only !== undefined && !(only in PARTS))
  throw new Error(`BENCH_ONLY: expected one of ${Object.keys(PARTS).join(', ')} (the parts that run alone), got '${only}'`);
(only === undefined ? main() : PARTS[only]()).catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
