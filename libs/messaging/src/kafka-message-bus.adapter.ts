import { Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { Consumption, MessageBatch, MessageBus, OutgoingMessage } from './message-bus.port';

/** The message bus on Apache Kafka, through kafkajs. */
export class KafkaMessageBus implements MessageBus {
  readonly kind = 'kafka';
  private readonly kafka: Kafka;
  private producer?: Promise<Producer>;
  private readonly consumers = new Set<Consumer>();

  constructor(brokers: readonly string[], clientId = 'turnaround-monitor') {
    this.kafka = new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.ERROR, retry: { retries: 8 } });
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.connectedProducer();
    await producer.send({ topic, acks: -1, messages: messages.map((message) => ({ ...message })) });
  }

  async consume(options: { groupId: string; topics: readonly string[] }, handle: (batch: MessageBatch) => Promise<void>): Promise<Consumption> {
    // A member that died is replaced after 10 s rather than kafkajs' default 30 s.
    const consumer = this.kafka.consumer({ groupId: options.groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    this.consumers.add(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    await consumer.run({
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
  async ensureTopics(topics: readonly string[], partitions = 3): Promise<void> {
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
    await Promise.all([...this.consumers].map((consumer) => consumer.disconnect()));
    this.consumers.clear();
    if (this.producer) await (await this.producer).disconnect();
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
