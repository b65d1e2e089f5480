import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { KafkaMessageBus, topicsOf } from '@turnaround/messaging';
import { ReadModelRunner, SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { openScratchDatabase, serverUrlForTests } from '@turnaround/postgres/testing';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { collect, kafkaBrokersForTests, uncommitted, uniqueTopicPrefix } from './support/kafka';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

const EXAMPLES = join(__dirname, '..', '..', 'docs', 'examples');
const SECRET = 'district-one-example-secret';

/** The line an example prints for each event it accepts. */
type Printed = { id: string; type: string; subject: string; alertId?: string; districtId?: string };

/** Starts an example as a district's IT would (`node <file>`), with the lines it prints collected as they come. */
function runExample(file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [join(EXAMPLES, file)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const printed: Printed[] = [];
  const output = { stderr: '' };
  createInterface({ input: child.stdout }).on('line', (line) => printed.push(JSON.parse(line)));
  child.stderr.on('data', (chunk) => (output.stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    printed,
    output,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The alert events in the log, in order: each example must print them with these ids. */
function alertEvents(sql: SqlClient) {
  return sql.query<{ id: string; type: string; alertId: string; districtIds: string[] }>(
    `SELECT event_id::text AS id, event_type AS type, data->>'alertId' AS "alertId", data->'districtIds' AS "districtIds"
     FROM es_events WHERE event_type LIKE 'OffTrackAlert%' ORDER BY global_position`,
  );
}

describe('docs/examples/webhook-receiver.mjs, as a district runs it', () => {
  it('accepts the signed deliveries, prints each as a CloudEvent with the alert event id, and refuses a wrong secret', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'turnaround-example-webhooks-'));
    const receiver = runExample('webhook-receiver.mjs', { PORT: '0', WEBHOOK_SECRET: SECRET });
    const port = await waitUntil(
      () => /listening on port (\d+)/.exec(receiver.output.stderr)?.[1],
      (found) => expect(found).toBeDefined(),
    );
    // The receiver is on loopback, which only the operator's allowance opens, on its port.
    const app = await createApp(testConfig({ DATA_DIR: dataDir, WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${port}`, WEBHOOK_MAX_ATTEMPTS: '1' }), { logger: false });
    try {
      const http = await httpClient(app);
      await registerOneClusterZone(http, [['S1', 'D1']]);
      const url = `http://127.0.0.1:${port}/alerts`;
      const { webhookId } = (await http.post('/api/v1/districts/D1/webhooks', { url, secret: SECRET })).body as { webhookId: string };
      const ping = (await http.post(`/api/v1/districts/D1/webhooks/${webhookId}/test`, {})).body as { eventId: string; delivered: boolean };
      expect(ping.delivered).toBe(true);
      // signed with a secret the receiver does not know: a 401, and nothing printed
      const stranger = (await http.post('/api/v1/districts/D1/webhooks', { url, secret: 'a-secret-the-receiver-never-got' })).body as { webhookId: string };
      expect((await http.post(`/api/v1/districts/D1/webhooks/${stranger.webhookId}/test`, {})).body).toMatchObject({ delivered: false, failure: 'HTTP 401' });
      expect((await http.delete(`/api/v1/districts/D1/webhooks/${stranger.webhookId}`)).status).toBe(200);

      await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900)]);
      await app.get(ReadModelRunner).settled();
      const events = await alertEvents(app.get<SqlClient>(SQL_CLIENT));
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((event) => event.type === 'OffTrackAlertRaised')).toBe(true);
      await waitUntil(
        async () => receiver.printed,
        (printed) =>
          expect(printed).toEqual([
            { id: ping.eventId, type: 'gov.state.turnaround.webhook.test', subject: webhookId },
            ...events.map((event) => ({ id: event.id, type: 'gov.state.turnaround.alert.raised', subject: event.alertId, alertId: event.alertId })),
          ]),
      );
    } finally {
      await app.close();
      await receiver.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const brokers = kafkaBrokersForTests();
const serverUrl = serverUrlForTests();

(brokers && serverUrl ? describe : describe.skip)('docs/examples/kafka-alert-consumer.mjs, on a real broker', () => {
  it("prints each of its district's alert events once, as a CloudEvent with the alert event id", async () => {
    const prefix = uniqueTopicPrefix();
    const topic = topicsOf(prefix).alerts;
    const database = await openScratchDatabase(serverUrl as string);
    const bus = new KafkaMessageBus(brokers as string[], 'turnaround-tests');
    // a state's own type prefix, as the README tells it to set
    const app = await createApp(
      testConfig({
        DATABASE_URL: database.url,
        KAFKA_BROKERS: (brokers as string[]).join(','),
        KAFKA_TOPIC_PREFIX: prefix,
        CLOUDEVENTS_TYPE_PREFIX: 'gov.ny.turnaround',
      }),
      { logger: false },
    );
    const groupId = `example-${prefix}`;
    // the app created the topic
    const consumer = runExample('kafka-alert-consumer.mjs', {
      KAFKA_BROKERS: (brokers as string[]).join(','),
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: groupId,
      DISTRICT_ID: 'D1',
    });
    const alertsOut = await collect(bus, topic);
    try {
      const http = await httpClient(app);
      await registerOneClusterZone(http, [
        ['S1', 'D1'],
        ['S2', 'D2'],
      ]);
      await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 900)]);
      await app.get(ReadModelRunner).settled();
      const events = await alertEvents(app.get<SqlClient>(SQL_CLIENT));
      const ofD1 = events.filter((event) => event.districtIds.includes('D1'));
      // D2's alert is on the topic too, keyed by D2: the consumer leaves it to D2
      expect(ofD1.length).toBeGreaterThan(0);
      expect(ofD1.length).toBeLessThan(events.length);
      const expected = ofD1.map((event) => ({
        id: event.id,
        type: 'gov.ny.turnaround.alert.raised',
        subject: event.alertId,
        districtId: 'D1',
        alertId: event.alertId,
      }));
      await waitUntil(
        async () => consumer.printed,
        (printed) => expect(printed).toEqual(expected),
        60_000,
      );

      // D1's messages again, as a publisher restarted before the broker's acknowledgement sends them: printed once all the same
      // one message per event and district it concerns
      await waitUntil(
        async () => alertsOut.messages.length,
        (count) => expect(count).toBe(events.flatMap((event) => event.districtIds).length),
      );
      await bus.publish(
        topic,
        alertsOut.messages
          .filter((message) => message.key === 'D1')
          .map((message) => ({ key: 'D1', value: message.value as string, headers: message.headers })),
      );
      await waitUntil(
        () => uncommitted(bus, groupId, topic),
        (partitions) => expect(partitions).toEqual([]),
        30_000,
      );
      expect(consumer.printed).toEqual(expected);
    } finally {
      await consumer.stop();
      await alertsOut.stop();
      await bus.close();
      await app.close();
      await database.close();
    }
  });
});
