import { Admin, Consumer, IHeaders, Kafka, logLevel, Producer } from 'kafkajs';
import { Consumption, MessageBatch, MessageBus, OutgoingMessage } from './message-bus.port';

/** Where kafkajs's own log lines go: the service's logger, so they come out in its format with the rest. */
export type KafkaLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string, fields: Record<string, unknown>) => void;

/** Messages of a group's partition not yet committed. */
export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

const LEVELS: Record<logLevel, Parameters<KafkaLog>[0] | undefined> = {
  [logLevel.NOTHING]: undefined,
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Partitions of a topic this service creates: as many as the broker's default in `infra/kafka/server.properties`. */
const PARTITIONS = 4;

/** A message's headers as text; a header sent more than once keeps its last value, as Java's `lastHeader` reads it. */
function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) text[name] = last.toString();
  }
  return text;
}

/** The message bus on Apache Kafka, through kafkajs. */
export class KafkaMessageBus implements MessageBus {
  readonly kind = 'kafka';
  private readonly kafka: Kafka;
  private producer?: Promise<Producer>;
  private admin?: Promise<Admin>;
  /** Each consumer and whether it is connected now (a crash that kafkajs restarts connects it again). */
  private readonly consumers = new Map<Consumer, boolean>();

  constructor(brokers: readonly string[], clientId = 'turnaround-monitor', log?: KafkaLog) {
    this.kafka = new Kafka({
      clientId,
      brokers: [...brokers],
      logLevel: logLevel.ERROR,
      retry: { retries: 8 },
      ...(log
        ? {
            logCreator:
              () =>
              ({ namespace, level, log: { message, ...fields } }) => {
                const named = LEVELS[level];
                if (named) log(named, `${namespace}: ${message}`, fields);
              },
          }
        : {}),
    });
  }

  /** Whether every consumer is connected to the cluster: what readiness asks. */
  connected(): boolean {
    return [...this.consumers.values()].every(Boolean);
  }

  /** How far a consumer group is behind the end of each partition of `topics`. */
  async consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    const admin = await this.connectedAdmin();
    const lags: PartitionLag[] = [];
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((entry) => [entry.partition, entry]));
      for (const { partition, offset } of partitions) {
        const end = ends.get(partition);
        if (!end) continue;
        // -1: nothing committed yet; the group reads from the beginning, so everything still there waits.
        const from = offset === '-1' ? BigInt(end.low) : BigInt(offset);
        lags.push({ topic, partition, lag: Number(BigInt(end.high) - from) });
      }
    }
    return lags;
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.connectedProducer();
    await producer.send({ topic, acks: -1, messages: messages.map((message) => ({ ...message })) });
  }

  async consume(options: { groupId: string; topics: readonly string[] }, handle: (batch: MessageBatch) => Promise<void>): Promise<Consumption> {
    // A member that died is replaced after 10 s rather than kafkajs' default 30 s.
    const consumer = this.kafka.consumer({ groupId: options.groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    this.consumers.set(consumer, false);
    consumer.on(consumer.events.CONNECT, () => this.consumers.has(consumer) && this.consumers.set(consumer, true));
    consumer.on(consumer.events.CRASH, () => this.consumers.has(consumer) && this.consumers.set(consumer, false));
    consumer.on(consumer.events.DISCONNECT, () => this.consumers.has(consumer) && this.consumers.set(consumer, false));
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    await consumer.run({
      // Batches of different partitions are handled side by side (those of one partition still
      // in order, and a key stays in its partition): while one waits on the database another
      // is parsed and checked. One at a time, the consumer held the process idle half the time.
      partitionsConsumedConcurrently: PARTITIONS,
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        await handle({
          topic: batch.topic,
          partition: batch.partition,
          messages: batch.messages.map((message) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
            headers: textHeaders(message.headers),
          })),
        });
        const last = batch.messages[batch.messages.length - 1].offset;
        resolveOffset(last);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        await heartbeat();
      },
    });
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  /** Creates the topics if they do not exist (several partitions, so a group can share them). */
  async ensureTopics(topics: readonly string[], partitions = PARTITIONS): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((topic) => !existing.has(topic));
      if (missing.length > 0) await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions })) });
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers.keys()].map((consumer) => consumer.disconnect()));
    this.consumers.clear();
    if (this.producer) await (await this.producer).disconnect();
    if (this.admin) await (await this.admin).disconnect();
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    // A failed connection is not kept: the next call tries again.
    this.admin.catch(() => (this.admin = undefined));
    return this.admin;
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      return producer;
    })();
    return this.producer;
  }
}
