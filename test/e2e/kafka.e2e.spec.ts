import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Kafka, KafkaEvent, KafkaMessage } from 'cloudevents';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { LogFollower } from '@turnaround/event-store';
import { FEED_CONSUMER_GROUP, IncomingMessage, KafkaMessageBus, topicsOf } from '@turnaround/messaging';
import { AlertMessageData, asyncApiDocument, LogFollowers, ReadModelRunner, SQL_CLIENT, TurnaroundConfig } from '@turnaround/platform';
import { openScratchDatabase, serverUrlForTests } from '@turnaround/postgres/testing';
import { SqlClient } from '@turnaround/postgres';
import { TEST_SECRET_KEY, testConfig } from './support/app';
import { asyncApiMessageChecker } from './support/asyncapi';
import { expectedAlertAttributes } from './support/cloud-events';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';
import { collect, kafkaBrokersForTests, uncommitted, uniqueTopicPrefix } from './support/kafka';

jest.setTimeout(240_000);

const brokers = kafkaBrokersForTests();
const serverUrl = serverUrlForTests();

/** A distinct attendance record per n: 300 schools x 30 weekly periods. */
function attendance(n: number, attendanceDays = 1900) {
  const week = Math.floor(n / 300);
  const start = new Date(Date.UTC(2024, 8, 2 + 7 * week));
  const end = new Date(start.getTime() + 4 * 86_400_000);
  return {
    schoolId: `S${String(n % 300).padStart(3, '0')}`,
    schoolYear: '2024-25',
    periodStart: start.toISOString().slice(0, 10),
    periodEnd: end.toISOString().slice(0, 10),
    membershipDays: 2000,
    attendanceDays,
  };
}
const message = (record: { schoolId: string }) => ({ key: record.schoolId, value: JSON.stringify(record) });

async function countEvents(sql: SqlClient, type: string): Promise<number> {
  const [{ count }] = await sql.query<{ count: number }>('SELECT count(*)::int AS count FROM es_events WHERE event_type = $1', [type]);
  return count;
}

/** A message of the alerts topic as a consumer's CloudEvents SDK reads it: binary mode, the key its partitionkey. */
function alertEvent(message: IncomingMessage): KafkaEvent<AlertMessageData> {
  const received: KafkaMessage<string> = { key: message.key as string, value: message.value as string, headers: message.headers, body: message.value };
  return Kafka.toEvent(received) as KafkaEvent<AlertMessageData>;
}

/** Every message a test produces or reads, held to the AsyncAPI document the service serves with this configuration. */
const asyncApiOf = (config: TurnaroundConfig) => asyncApiMessageChecker(JSON.parse(JSON.stringify(asyncApiDocument(config))));

(brokers && serverUrl ? describe : describe.skip)('Kafka feeds in and alerts out, on a real broker', () => {
  let bus: KafkaMessageBus;
  beforeAll(() => {
    bus = new KafkaMessageBus(brokers as string[], 'turnaround-tests');
  });
  afterAll(() => bus.close());

  it('takes 10,000 feed messages with duplicates and bad records: exact event and dead-letter counts', async () => {
    const prefix = uniqueTopicPrefix();
    const topics = topicsOf(prefix);
    const database = await openScratchDatabase(serverUrl as string);
    const config = testConfig({ DATABASE_URL: database.url, KAFKA_BROKERS: (brokers as string[]).join(','), KAFKA_TOPIC_PREFIX: prefix });
    const app = await createApp(config, { logger: false });
    await app.init();
    const dlq = await collect(bus, topics.dlq);
    const fits = asyncApiOf(config);
    try {
      const messages = [
        ...Array.from({ length: 9_000 }, (_, n) => message(attendance(n))),
        ...Array.from({ length: 500 }, (_, n) => message(attendance(n * 7))), // exact duplicates: no event
        ...Array.from({ length: 300 }, (_, n) => message(attendance(n, 2500))), // attendanceDays > membershipDays
        ...Array.from({ length: 100 }, (_, n) => ({ key: 'S001', value: `{"schoolId": "S001", broken ${n}` })), // not JSON
        ...Array.from({ length: 100 }, (_, n) => message({ ...attendance(n), sasid: `123-${n}` } as never)), // student-level
      ];
      // what the document promises of a feed message: the good ones fit (a duplicate too, and a
      // count above its membership, which a check beyond the schema refuses); the last 200 do not
      const problems = messages.map((produced) => fits({ topic: topics.feed('attendance'), ...produced }));
      expect(problems.slice(0, 9_800).flat()).toEqual([]);
      expect(problems.slice(9_800).filter((found) => found.length === 0)).toEqual([]);
      for (let start = 0; start < messages.length; start += 1_000) await bus.publish(topics.feed('attendance'), messages.slice(start, start + 1_000));

      const sql = app.get<SqlClient>(SQL_CLIENT);
      await waitUntil(
        () => Promise.all([countEvents(sql, 'AttendanceReported'), Promise.resolve(dlq.messages.length)]),
        ([events, dead]) => expect([events, dead]).toEqual([9_000, 500]),
        120_000,
      );
      expect(dlq.messages.flatMap(fits)).toEqual([]);
      const reasons = dlq.messages.map((dead) => JSON.parse(dead.value as string));
      expect(reasons.filter((dead) => dead.reason[0].field === 'attendanceDays')).toHaveLength(300);
      expect(reasons.filter((dead) => dead.reason[0].field === '(message)')).toHaveLength(100);
      expect(reasons.filter((dead) => dead.reason[0].field === 'sasid')).toHaveLength(100);
      expect(reasons.find((dead) => dead.reason[0].field === 'attendanceDays')).toMatchObject({
        topic: topics.feed('attendance'),
        payload: expect.stringContaining('"attendanceDays":2500'),
        reason: [{ field: 'attendanceDays', message: 'expected at most membershipDays (2000), got 2500' }],
      });
      const [totals] = await sql.query<{ accepted: number; duplicates: number; rejected: number }>(
        `SELECT sum(accepted)::int AS accepted, sum(duplicates)::int AS duplicates, sum(rejected_rows)::int AS rejected FROM feed_batches WHERE channel = 'kafka'`,
      );
      expect(totals).toEqual({ accepted: 9_000, duplicates: 500, rejected: 400 }); // the 100 non-JSON messages never reach the pipeline
    } finally {
      await dlq.stop();
      await app.close();
      await database.close();
    }
  });

  it('loses nothing and stores nothing twice when the consumer is killed mid-batch and restarted', async () => {
    const prefix = uniqueTopicPrefix();
    const topics = topicsOf(prefix);
    const database = await openScratchDatabase(serverUrl as string);
    const env = {
      ...process.env,
      DATABASE_URL: database.url,
      TURNAROUND_SECRET_KEY: TEST_SECRET_KEY,
      KAFKA_BROKERS: (brokers as string[]).join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      PORT: '0',
    };
    const start = (): ChildProcess =>
      spawn('node', ['-r', './infra/register.js', 'services/all-in-one/src/main.ts'], { cwd: join(__dirname, '..', '..'), env, stdio: 'ignore' });
    const sql = database;
    const records = Array.from({ length: 6_000 }, (_, n) => message(attendance(n)));
    // The last week's 300 records are published only after the kill: however fast the first
    // process is, it cannot have stored all 6,000.
    const lastWeek = 5_700;
    try {
      await bus.ensureTopics([topics.feed('attendance'), topics.dlq, topics.alerts]);
      await bus.publish(topics.feed('attendance'), records.slice(0, lastWeek));
      const first = start();
      const exited = new Promise((resolve) => first.on('exit', resolve));
      await waitUntil(
        () =>
          sql
            .query<{ count: number }>(`SELECT count(*)::int AS count FROM pg_tables WHERE tablename = 'es_events'`)
            .then(async ([row]) => (row.count ? countEvents(sql, 'AttendanceReported') : 0)),
        (count) => expect(count).toBeGreaterThan(0),
        60_000,
      );
      first.kill('SIGKILL');
      await exited;
      const stored = await countEvents(sql, 'AttendanceReported');
      expect(stored).toBeLessThan(6_000);

      await bus.publish(topics.feed('attendance'), records.slice(lastWeek));
      const second = start();
      try {
        // Once the group has committed the whole topic, every record is stored and none is still to come.
        await waitUntil(
          () => uncommitted(bus, FEED_CONSUMER_GROUP, topics.feed('attendance')),
          (partitions) => expect(partitions).toEqual([]),
          120_000,
        );
        expect(await countEvents(sql, 'AttendanceReported')).toBe(6_000);
        const [{ distinct }] = await sql.query<{ distinct: number }>(
          `SELECT count(DISTINCT metadata->'source'->>'recordKey')::int AS distinct FROM es_events WHERE event_type = 'AttendanceReported'`,
        );
        expect(distinct).toBe(6_000);
      } finally {
        second.kill('SIGTERM');
        await new Promise((resolve) => second.on('exit', resolve));
      }
    } finally {
      await database.close();
    }
  });

  it('publishes each alert raise and resolution to the alerts topic once, as a CloudEvent keyed by district, across a restart', async () => {
    const prefix = uniqueTopicPrefix();
    const topics = topicsOf(prefix);
    const database = await openScratchDatabase(serverUrl as string);
    const config = testConfig({ DATABASE_URL: database.url, KAFKA_BROKERS: (brokers as string[]).join(','), KAFKA_TOPIC_PREFIX: prefix });
    let app: INestApplication = await createApp(config, { logger: false });
    const alertsOut = await collect(bus, topics.alerts); // the app created the topics
    try {
      let http = await httpClient(app);
      await registerOneClusterZone(http, [
        ['A', 'D1'],
        ['B', 'D1'],
        ['C', 'D1'],
      ]);
      // A and B miss their year; C is at risk on partial evidence
      await http.post('/api/v1/feeds/attendance', [attendance2023('A', 900), attendance2023('B', 910), attendance2023('C', 920, '2024-03-31')]);
      const raised = (list: typeof alertsOut.messages) => list.filter((out) => JSON.parse(out.value as string).type === 'OffTrackAlertRaised');
      await waitUntil(
        async () => raised(alertsOut.messages).length,
        (count) => expect(count).toBe(4),
        60_000,
      );

      await app.close();
      app = await createApp(config, { logger: false });
      http = await httpClient(app);
      // after the restart: B's result is restated (met, resolved) and C's year closes missed
      await http.post('/api/v1/feeds/attendance', [attendance2023('B', 940), attendance2023('C', 900, '2024-06-30')]);
      await waitUntil(
        async () => alertsOut.messages.length,
        (count) => expect(count).toBe(4 + 1 + 2),
        60_000,
      );
      // Nothing more arrives once every alert the feeds call for is raised, the publisher has
      // passed them all in the log, and the collector has read the topic to its end.
      await app.get(ReadModelRunner).settled();
      const publisher = app.get(LogFollowers).get('alert-publisher') as LogFollower;
      await waitUntil(
        () => publisher.caughtUp(),
        (caughtUp) => expect(caughtUp).toBe(true),
      );
      await waitUntil(
        () => uncommitted(bus, alertsOut.groupId, topics.alerts),
        (partitions) => expect(partitions).toEqual([]),
      );

      expect(alertsOut.messages.flatMap(asyncApiOf(config))).toEqual([]);
      // each a CloudEvent in binary mode: the attributes in ce_ headers, the value the alert's JSON
      for (const out of alertsOut.messages)
        expect(Object.keys(out.headers).sort()).toEqual(['ce_id', 'ce_source', 'ce_specversion', 'ce_subject', 'ce_time', 'ce_type', 'content-type']);
      const published = alertsOut.messages.map(alertEvent);
      for (const event of published) expect(event).toMatchObject({ ...expectedAlertAttributes(event.data), partitionkey: 'D1' });
      // once each, with the ids of the alert events in the log
      const logged = await database.query<{ id: string }>(`SELECT event_id::text AS id FROM es_events WHERE event_type LIKE 'OffTrackAlert%'`);
      expect(published.map((event) => event.id).sort()).toEqual(logged.map((event) => event.id).sort());
      expect(logged).toHaveLength(7);
      expect(published.every((event) => event.data?.districtIds.includes('D1'))).toBe(true);
      expect(
        published
          .filter((event) => event.type === 'gov.state.turnaround.alert.resolved')
          .map((event) => event.data?.schoolId)
          .sort(),
      ).toEqual(['B', 'C']);
    } finally {
      await alertsOut.stop();
      await app.close();
      await database.close();
    }
  });
});
