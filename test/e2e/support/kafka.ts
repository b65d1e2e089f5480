import { randomBytes } from 'node:crypto';
import { IncomingMessage, KafkaMessageBus, PartitionLag } from '@turnaround/messaging';

/**
 * The Kafka broker tests run against (`infra/kafka.sh start`). On a developer's machine
 * without one the Kafka suites are skipped; in CI a missing broker is an error, never a skip.
 */
export function kafkaBrokersForTests(): string[] | undefined {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers && process.env.CI) throw new Error('CI runs the Kafka suites against a real broker: start infra/kafka.sh and set KAFKA_BROKERS');
  return brokers?.split(',');
}

/** A topic prefix of its own, so that runs on one broker never see each other's messages. */
export function uniqueTopicPrefix(): string {
  return `test-${randomBytes(4).toString('hex')}.`;
}

/** Reads a topic from the beginning with a group of its own (`groupId`), collecting every message. */
export async function collect(bus: KafkaMessageBus, topic: string): Promise<{ messages: IncomingMessage[]; groupId: string; stop: () => Promise<void> }> {
  const messages: IncomingMessage[] = [];
  const groupId = `collector-${randomBytes(4).toString('hex')}`;
  const consumption = await bus.consume({ groupId, topics: [topic] }, async (batch) => {
    messages.push(...batch.messages);
  });
  return { messages, groupId, stop: () => consumption.stop() };
}

/**
 * The partitions of `topic` where `groupId` has not committed every message yet. Consumers
 * commit a batch once it is handled, so when none is left, the group has handled all that the
 * topic holds and nothing more comes of it.
 */
export async function uncommitted(bus: KafkaMessageBus, groupId: string, topic: string): Promise<PartitionLag[]> {
  return (await bus.consumerLag(groupId, [topic])).filter((partition) => partition.lag > 0);
}
