import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { createApp } from '@turnaround/all-in-one';
import { PostgresEventStore, rebuildProjection, START, StoredEvent } from '@turnaround/event-store';
import { createFeedPipeline } from '@turnaround/feeds';
import { createPgliteClient, SqlClient } from '@turnaround/postgres';
import { openScratchDatabase } from '@turnaround/postgres/testing';
import { KafkaMessageBus, topicsOf } from '@turnaround/messaging';
import { SQL_CLIENT } from '@turnaround/platform';
import { metricsProjection } from '@turnaround/read-model';
import { DemoPush, loadRegistry, stateDataset } from '@turnaround/demo';
import { testConfig, TEST_STATE_KEY } from '../e2e/support/app';
import { writeAssessmentCsv } from '../e2e/support/feed-files';
import { ReadFigure, readsOn, readsTable } from './reads.bench';

/**
 * `npm run bench`: the pipeline's speed, each figure beside a raw baseline measured in the
 * same run on the same database. Not a test: nothing here fails on a number.
 *
 * BENCH_ROWS (default 50,000) assessment rows, 28 per school (about 1,800 schools), on PGlite
 * and, when DATABASE_URL is set, on PostgreSQL (and through Kafka when KAFKA_BROKERS is set too).
 * On PostgreSQL it also loads the state-sized dataset of the demo's generator and replays it, and
 * grows a log to each of BENCH_GROWTH events (default 250000,500000,1000000,2000000), rebuilding
 * the read side at each size. On the state dataset, once replayed, it measures the API's reads
 * under load (`reads.bench.ts`, which also tells how to run them alone with BENCH_ONLY=reads).
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
 * The performance issue's aims, each on the figure of that database whose name starts with
 * `figure`: its ratio to its baseline at least `ratio`, or its value below `below`.
 */
const AIMS: readonly { database: string; figure: string; ratio?: number; below?: number; unit?: string }[] = [
  { database: 'postgres', figure: 'turnaround replay, state dataset', ratio: 0.7 },
  { database: 'pglite', figure: 'rebuild of the metrics projection', ratio: 0.5 },
  { database: 'postgres', figure: 'ingest, CSV through the feed pipeline', ratio: 1.0 },
  { database: 'pglite', figure: 'ingest, CSV through the feed pipeline', ratio: 0.7 },
  { database: 'postgres', figure: 'ingest, state dataset', ratio: 1.0 },
  { database: 'postgres', figure: 'ingest, Kafka messages', ratio: 0.5 },
  { database: 'postgres', figure: 'peak RSS of the replay of the largest log', below: 500, unit: 'MiB' },
];

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, result };
}

/** The baseline for ingest: the same CSV rows parsed and INSERTed 1,000 per statement, nothing else. */
async function rawInsert(sql: SqlClient, file: string): Promise<number> {
  await sql.query(
    `CREATE TABLE bench_raw (school_id text, school_year text, win text, assessment text, subject text, grade text, student_group text, tested int, proficient int)`,
  );
  let batch: string[][] = [];
  let count = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const column = (index: number) => batch.map((row) => row[index]);
    await sql.query(
      `INSERT INTO bench_raw SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[])`,
      [0, 1, 2, 3, 4, 5, 6, 7, 8].map(column),
    );
    count += batch.length;
    batch = [];
  };
  for await (const row of createReadStream(file).pipe(parse({ from_line: 2 })) as AsyncIterable<string[]>) {
    batch.push(row);
    if (batch.length === 1_000) await flush();
  }
  await flush();
  return count;
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
  ratio: number;
}

function medianRun(runs: readonly Run[]): Run {
  return [...runs].sort((a, b) => a.ratio - b.ratio)[Math.floor(runs.length / 2)];
}

/** CSV ingest and the metrics rebuild, RUNS times on a fresh database from `open` (closed with its event store; a scratch database is dropped). */
async function pipelineOn(database: string, open: () => Promise<SqlClient>, file: string): Promise<void> {
  const ingests: Run[] = [];
  const rebuilds: Run[] = [];
  let peakMb = 0;
  let events = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const sql = await open();
    const raw = await timed(() => rawInsert(sql, file));
    const store = await PostgresEventStore.create(sql);
    const { ingestor } = await createFeedPipeline(store, sql);
    const ingest = await timed(() => ingestor.ingestCsv('assessment', createReadStream(file), { channel: 'cli', actor: 'bench', correlationId: 'bench' }));
    const rawRate = raw.result / raw.seconds;
    const ingestRate = ingest.result.accepted / ingest.seconds;
    ingests.push({ value: ingestRate, baseline: rawRate, ratio: ingestRate / rawRate });

    const read = await timed(() => readEverything(store));
    const rebuild = await peakRss(() => timed(() => rebuildProjection(store, sql, metricsProjection)));
    const readRate = read.result / read.seconds;
    const rebuildRate = read.result / rebuild.result.seconds;
    rebuilds.push({ value: rebuildRate, baseline: readRate, ratio: rebuildRate / readRate });
    peakMb = Math.max(peakMb, rebuild.peakMb);
    events = read.result;
    await store.close();
  }
  figures.push({ database, figure: `ingest, CSV through the feed pipeline (median of ${RUNS})`, unit: 'records/s', ...medianRun(ingests) });
  figures.push({ database, figure: `rebuild of the metrics projection (median of ${RUNS})`, unit: 'events/s', ...medianRun(rebuilds) });
  figures.push({ database, figure: `peak RSS during the rebuild of ${events} events`, value: peakMb, unit: 'MiB' });
}

/** The baseline for JSON ingest: the same records INSERTed as jsonb, 1,000 per statement, nothing else. */
async function rawJsonInsert(sql: SqlClient, pushes: Iterable<DemoPush>): Promise<number> {
  await sql.query('CREATE TABLE bench_raw_json (feed text, data jsonb)');
  let count = 0;
  for (const push of pushes) {
    for (let start = 0; start < push.records.length; start += 1_000) {
      const slice = push.records.slice(start, start + 1_000);
      await sql.query('INSERT INTO bench_raw_json SELECT $1, data FROM unnest($2::jsonb[]) AS r(data)', [
        push.kind,
        slice.map((record) => JSON.stringify(record)),
      ]);
      count += slice.length;
    }
  }
  return count;
}

/**
 * The state-sized dataset (BENCH_STATE_SCHOOLS schools, default 1,800: about 890,000 records) on
 * PostgreSQL, into `database` (left open, for the reads): the registry entered through the
 * service's API, the feeds pushed as JSON through the feed pipeline (against a raw jsonb INSERT),
 * then `turnaround replay` in a process of its own: its rate against a bare read of the same log,
 * and its peak RSS (VmHWM from /proc, so Linux only).
 */
async function stateDatasetOn(database: SqlClient & { url: string }): Promise<void> {
  const dataset = stateDataset({ schools: Number(process.env.BENCH_STATE_SCHOOLS ?? 1_800) });
  const app = await createApp(testConfig({ DATABASE_URL: database.url }), { logger: false });
  await app.listen(0, '127.0.0.1');
  await loadRegistry((await app.getUrl()).replace('[::1]', '127.0.0.1'), TEST_STATE_KEY, dataset.registry);
  await app.close();
  // No subscription is started on this store, so it needs no closing of its own: its database is the caller's.
  const store = await PostgresEventStore.create(database);
  const raw = await timed(() => rawJsonInsert(database, dataset.pushes()));
  const { ingestor } = await createFeedPipeline(store, database);
  const ingest = await timed(async () => {
    let accepted = 0;
    for (const push of dataset.pushes())
      accepted += (await ingestor.ingestJson(push.kind, push.records, { channel: 'cli', actor: 'bench', correlationId: push.label })).accepted;
    return accepted;
  });
  const rawRate = raw.result / raw.seconds;
  const ingestRate = ingest.result / ingest.seconds;
  figures.push({
    database: 'postgres',
    figure: `ingest, state dataset (${ingest.result} records) as JSON`,
    value: ingestRate,
    unit: 'records/s',
    baseline: rawRate,
    ratio: ingestRate / rawRate,
  });

  const read = await timed(() => readEverything(store));
  const replay = await replayInChild(database.url);
  const readRate = read.result / read.seconds;
  const rate = read.result / replay.seconds;
  figures.push({
    database: 'postgres',
    figure: `turnaround replay, state dataset (${read.result} events)`,
    value: rate,
    unit: 'events/s',
    baseline: readRate,
    ratio: rate / readRate,
  });
  figures.push({ database: 'postgres', figure: `peak RSS of that replay (own process)`, value: replay.peakMib, unit: 'MiB' });
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

/**
 * `turnaround replay` against `databaseUrl` in a process of its own, as an operator runs it (the
 * built CLI): its time, and its peak RSS (VmHWM from /proc, so Linux only), sampled while it runs.
 */
async function replayInChild(databaseUrl: string): Promise<{ seconds: number; peakMib: number }> {
  const child = spawn(process.execPath, [builtEntry('services/cli'), 'replay'], {
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
  const app = await createApp(testConfig({ DATABASE_URL: database.url }), { logger: false });
  await app.listen(0, '127.0.0.1');
  await loadRegistry((await app.getUrl()).replace('[::1]', '127.0.0.1'), TEST_STATE_KEY, registry);
  await app.close();
  const store = await PostgresEventStore.create(database);
  try {
    const { ingestor } = await createFeedPipeline(store, database);
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

/**
 * Feed records through Kafka into the all-in-one service on PostgreSQL, against a bare consumer
 * reading the same topic: from the consumers' start (the service's, for ingest) to the last
 * record, as the performance issue measures it, and from the first batch to the last.
 */
async function kafkaIngest(serverUrl: string, brokers: string[]): Promise<void> {
  const prefix = `bench-${Date.now()}.`;
  const topic = topicsOf(prefix).feed('attendance');
  const bus = new KafkaMessageBus(brokers, 'turnaround-bench');
  const messages = Array.from({ length: ROWS }, (_, n) => {
    const record = attendanceRecord(n);
    return { key: record.schoolId, value: JSON.stringify(record) };
  });
  for (let start = 0; start < messages.length; start += 5_000) await bus.publish(topic, messages.slice(start, start + 5_000));

  let allSeen: () => void = () => undefined;
  const seenAll = new Promise<void>((resolve) => (allSeen = resolve));
  let seen = 0;
  let firstBatch = 0n;
  const raw = await timed(async () => {
    const consumption = await bus.consume({ groupId: `${prefix}raw`, topics: [topic] }, async (batch) => {
      firstBatch ||= process.hrtime.bigint();
      seen += batch.messages.length;
      if (seen >= ROWS) allSeen();
    });
    await seenAll;
    return consumption;
  });
  const rawSteadySeconds = Number(process.hrtime.bigint() - firstBatch) / 1e9;
  await raw.result.stop();
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
    const rawRate = ROWS / raw.seconds;
    const rate = ingest.result / ingest.seconds;
    figures.push({
      database: 'postgres',
      figure: 'ingest, Kafka messages (all-in-one)',
      value: rate,
      unit: 'records/s',
      baseline: rawRate,
      ratio: rate / rawRate,
    });
    // The same from the first batch handled to the last, without joining the group (and the
    // service's start): a bare consumer reads 50,000 messages in a fraction of a second, so
    // the figure above mostly weighs the join. The pushes' own times come from feed_batches.
    const [steady] = await sql.query<{ seconds: number }>(
      `SELECT extract(epoch FROM max(finished_at) - min(started_at))::float8 AS seconds FROM feed_batches WHERE channel = 'kafka'`,
    );
    const steadyRate = ingest.result / steady.seconds;
    const rawSteadyRate = ROWS / rawSteadySeconds;
    figures.push({
      database: 'postgres',
      figure: 'ingest, Kafka messages, first batch to last',
      value: steadyRate,
      unit: 'records/s',
      baseline: rawSteadyRate,
      ratio: steadyRate / rawSteadyRate,
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

/** `BENCH_ONLY=reads`: the reads alone, on the already loaded database of DATABASE_URL. */
async function readsOnly(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_ONLY=reads: set DATABASE_URL to a database that holds a log and its registry');
  reads.push(...(await readsOn(databaseUrl, builtEntry('services/all-in-one'))));
  process.stdout.write(`${readsTable(reads)}\n`);
  mkdirSync('tmp/bench', { recursive: true });
  writeFileSync('tmp/bench/results.json', JSON.stringify({ takenAt: new Date().toISOString(), reads }, null, 2));
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
    if (process.env.DATABASE_URL && process.env.KAFKA_BROKERS) await kafkaIngest(process.env.DATABASE_URL, process.env.KAFKA_BROKERS.split(','));
    if (serverUrl) {
      const database = await openScratchDatabase(serverUrl);
      try {
        await stateDatasetOn(database);
        reads.push(...(await readsOn(database.url, builtEntry('services/all-in-one'))));
      } finally {
        await database.close();
      }
    }
    if (process.env.DATABASE_URL) await growthOn(process.env.DATABASE_URL);
    await feedToAlertLatency(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const aimed = AIMS.map((aim) => {
    const figure = figures.find((f) => f.database === aim.database && f.figure.startsWith(aim.figure));
    const text = aim.ratio !== undefined ? `>= ${aim.ratio.toFixed(1)}x baseline` : `< ${aim.below} ${aim.unit}`;
    if (figure) {
      figure.aim = text;
      figure.met = aim.ratio !== undefined ? (figure.ratio as number) >= aim.ratio : figure.value < (aim.below as number);
    }
    return { aim, figure, text };
  });

  const lines = figures.map((f) =>
    [
      f.database.padEnd(9),
      f.figure.padEnd(52),
      `${f.value.toFixed(f.unit === 'ms' ? 1 : 0)} ${f.unit}`.padStart(20),
      f.baseline === undefined ? '' : `raw ${f.baseline.toFixed(0)} ${f.unit}, ratio ${(f.ratio as number).toFixed(2)}`,
    ].join('  '),
  );
  process.stdout.write(`turnaround-monitor bench: ${ROWS} assessment rows (${Math.ceil(ROWS / PER_SCHOOL)} schools)\n${lines.join('\n')}\n`);
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
  process.stdout.write(`\naims of the performance issue\n${aims.join('\n')}\n`);
  for (const aim of new Set(reads.map((read) => read.aim).filter((aim) => aim !== undefined))) {
    const aimed = reads.filter((read) => read.aim === aim);
    process.stdout.write(`reads: ${aim}: met by ${aimed.filter((read) => read.met).length} of ${aimed.length}\n`);
  }
  mkdirSync('tmp/bench', { recursive: true });
  writeFileSync('tmp/bench/results.json', JSON.stringify({ rows: ROWS, takenAt: new Date().toISOString(), figures, growth, reads }, null, 2));
}

const only = process.env.BENCH_ONLY;
if (only !== undefined && only !== 'reads') throw new Error(`BENCH_ONLY: expected reads (the only part that runs alone), got '${only}'`);
(only === 'reads' ? readsOnly() : main()).catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
