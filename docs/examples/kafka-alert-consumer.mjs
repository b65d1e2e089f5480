// Reads turnaround-monitor's alerts topic (README "Kafka") and prints one JSON line per alert
// event. Each message is a CloudEvent in binary mode: the attributes in `ce_` headers, the value
// the alert's JSON, the key the district it is for. Node 20 or later:
// `npm install kafkajs cloudevents`.
//
//   KAFKA_BROKERS=kafka1:9092,kafka2:9092 KAFKA_GROUP_ID=d-0281-alerts DISTRICT_ID=D-0281 node kafka-alert-consumer.mjs
import { Kafka as KafkaClient, logLevel } from 'kafkajs';
import { Kafka } from 'cloudevents';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const topic = process.env.KAFKA_TOPIC ?? 'turnaround.alerts.v1';
// Instances with the same group share the partitions; the group's offsets say what it has read.
const groupId = process.env.KAFKA_GROUP_ID ?? 'district-alerts';
// The topic has every district's messages; unset, this prints them all.
const districtId = process.env.DISTRICT_ID;

// kafkajs's own warnings and errors go to stderr: stdout has the events alone.
const consumer = new KafkaClient({ clientId: groupId, brokers, logLevel: logLevel.WARN }).consumer({ groupId });

// The publisher sends again what the broker had not acknowledged when it stopped, so an event
// can come twice, with the same id. Keep these in your own database to remember them across restarts.
const seen = new Set();

await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
await consumer.run({
  eachMessage: async ({ message }) => {
    const key = message.key?.toString();
    if (districtId && key !== districtId) return;
    // kafkajs gives header values as bytes; the SDK reads them as text.
    const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
    const value = message.value?.toString();
    const event = Kafka.toEvent({ headers, key, value, body: value });
    // An alert about schools of two districts comes once for each (keyed by it), with one id.
    if (seen.has(`${key}/${event.id}`)) return;
    seen.add(`${key}/${event.id}`);
    // type: {prefix}.alert.raised, .acknowledged, .resolved or .reopened; data: the whole alert.
    console.log(JSON.stringify({ id: event.id, type: event.type, subject: event.subject, districtId: key, alertId: event.data.alertId }));
  },
});

// Leave the group on the way out, so that its partitions go to another member at once.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => consumer.disconnect().finally(() => process.exit(0)));
