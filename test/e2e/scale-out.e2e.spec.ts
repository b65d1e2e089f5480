import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Checkpoint, PostgresEventStore, LogFollower } from '@turnaround/event-store';
import { wholeLog } from '@turnaround/event-store/testing';
import { loadMetricCatalogues } from '@turnaround/feeds';
import { KafkaMessageBus, topicsOf } from '@turnaround/messaging';
import { inSchema, SqlClient } from '@turnaround/postgres';
import { openScratchDatabase, serverUrlForTests } from '@turnaround/postgres/testing';
import { readSideProjection } from '@turnaround/read-model';
import { waitUntil } from '@turnaround/domain/testing';
import { TEST_SECRET_KEY, TEST_STATE_KEY } from './support/app';
import { kafkaBrokersForTests, uniqueTopicPrefix } from './support/kafka';

jest.setTimeout(300_000);

const brokers = kafkaBrokersForTests();
const serverUrl = serverUrlForTests();
const RECORDS = 12_000;

/** A distinct attendance record per n: 300 schools x 40 weekly periods of 2024-25. */
function attendance(n: number) {
  const start = new Date(Date.UTC(2024, 8, 2 + 7 * Math.floor(n / 300)));
  return {
    schoolId: `S${String(n % 300).padStart(3, '0')}`,
    schoolYear: '2024-25',
    periodStart: start.toISOString().slice(0, 10),
    periodEnd: new Date(start.getTime() + 4 * 86_400_000).toISOString().slice(0, 10),
    membershipDays: 2000,
    attendanceDays: 1700 + (n % 251),
  };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

async function count(sql: SqlClient, query: string): Promise<number> {
  const [{ n }] = await sql.query<{ n: number }>(query);
  return n;
}

interface Instance {
  process: ChildProcess;
  port: number;
  exited: Promise<unknown>;
}

(brokers && serverUrl ? describe : describe.skip)('two service processes on one database and one broker (scale-out)', () => {
  it("after the read side's leader is SIGKILLed mid-ingest, the other takes over its partitions and its lease: every record stored once, the read side equal to a rebuild", async () => {
    const prefix = uniqueTopicPrefix();
    const topics = topicsOf(prefix);
    const database = await openScratchDatabase(serverUrl as string);
    const bus = new KafkaMessageBus(brokers as string[], 'turnaround-tests');
    const store = await PostgresEventStore.create(database);
    const instances: Instance[] = [];
    const start = async (): Promise<Instance> => {
      const port = await freePort();
      const env = {
        ...process.env,
        DATABASE_URL: database.url,
        TURNAROUND_SECRET_KEY: TEST_SECRET_KEY,
        TURNAROUND_BOOTSTRAP_KEY: TEST_STATE_KEY,
        KAFKA_BROKERS: (brokers as string[]).join(','),
        KAFKA_TOPIC_PREFIX: prefix,
        PORT: String(port),
        PROJECTION_LEASE_MS: '2000',
      };
      const child = spawn(process.execPath, ['-r', './infra/register.js', 'services/all-in-one/src/main.ts'], {
        cwd: join(__dirname, '..', '..'),
        env,
        stdio: 'ignore',
      });
      const instance = { process: child, port, exited: once(child, 'exit') };
      instances.push(instance);
      return instance;
    };
    // Ready: migrated, its runners started, its Kafka consumer in the group.
    const ready = (instance: Instance) =>
      waitUntil(
        () =>
          fetch(`http://127.0.0.1:${instance.port}/health/ready`).then(
            (answer) => answer.status,
            () => 0,
          ),
        (status) => expect(status).toBe(200),
        120_000,
      );
    const leaderOf = async (projection: string) => {
      const [row] = await database.query<{ leader: string | null }>('SELECT leader FROM projection_checkpoints WHERE projection = $1', [projection]);
      return Number(row?.leader?.split(':')[1]);
    };
    try {
      await bus.ensureTopics([topics.feed('attendance'), topics.dlq, topics.alerts]);
      // One after the other: the first makes the tables, so the second does not race it there.
      const first = await start();
      await ready(first);
      const second = await start();
      await ready(second);
      const pids = [first.process.pid, second.process.pid];
      expect(pids).toContain(await leaderOf('read-side'));

      const messages = Array.from({ length: RECORDS }, (_, n) => ({ key: attendance(n).schoolId, value: JSON.stringify(attendance(n)) }));
      for (let from = 0; from < RECORDS; from += 1_000) await bus.publish(topics.feed('attendance'), messages.slice(from, from + 1_000));
      const stored = () => count(database, `SELECT count(*)::int AS n FROM es_events WHERE event_type = 'AttendanceReported'`);
      await waitUntil(stored, (n) => expect(n).toBeGreaterThan(RECORDS / 6), 120_000);

      // Kill the instance that leads the read side, mid-ingest: no shutdown, no lease handed back.
      const leaderPid = await leaderOf('read-side');
      const killed = instances.find((instance) => instance.process.pid === leaderPid) as Instance;
      const survivor = instances.find((instance) => instance !== killed) as Instance;
      killed.process.kill('SIGKILL');
      await killed.exited;
      expect(await stored()).toBeLessThan(RECORDS);

      // The survivor gets the dead one's partitions (after the group's session timeout) and its lease.
      await waitUntil(stored, (n) => expect(n).toBe(RECORDS), 180_000);
      const distinct = await count(
        database,
        `SELECT count(DISTINCT metadata->'source'->>'recordKey')::int AS n FROM es_events WHERE event_type = 'AttendanceReported'`,
      );
      expect(distinct).toBe(RECORDS);
      // Once the log shows every event, the survivor's read side has passed them all.
      await wholeLog(store, database);
      await waitUntil(
        async () => {
          const [{ checkpoint }] = await database.query<{ checkpoint: string }>(`SELECT checkpoint FROM projection_checkpoints WHERE projection = 'read-side'`);
          return (await store.readAll({ after: checkpoint as Checkpoint, limit: 1 })).length;
        },
        (waiting) => expect(waiting).toBe(0),
        120_000,
      );
      expect(await leaderOf('read-side')).toBe(survivor.process.pid);

      // The read side the two instances built, one after the other, equals a rebuild from the log under the catalogues they load.
      const projection = readSideProjection({ rules: { tolerance: 0 }, catalogues: await loadMetricCatalogues() });
      const rebuilt = await inSchema(database, 'rebuilt');
      await new LogFollower(store, rebuilt, projection).catchUp(2_000);
      for (const table of projection.tables) {
        const rows = (sql: SqlClient) => sql.query(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY 1`);
        const live = await rows(database);
        expect({ table, rows: await rows(rebuilt) }).toEqual({ table, rows: live });
      }
      expect(await count(database, `SELECT count(*)::int AS n FROM school_metric_history WHERE metric = 'attendance_rate'`)).toBeGreaterThan(0);
    } finally {
      for (const instance of instances) instance.process.kill('SIGTERM');
      await Promise.all(instances.map((instance) => instance.exited));
      await bus.close();
      await store.close(); // and the database it reads
    }
  });
});
