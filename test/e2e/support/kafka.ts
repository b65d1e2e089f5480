import { randomBytes } from 'node:crypto';
import { IncomingMessage, KafkaMessageBus } from '@turnaround/messaging';

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

/** Reads a topic from the beginning with a group of its own, collecting every message. */
export async function collect(bus: KafkaMessageBus, topic: string): Promise<{ messages: IncomingMessage[]; stop: () => Promise<void> }> {
  const messages: IncomingMessage[] = [];
  const consumption = await bus.consume({ groupId: `collector-${randomBytes(4).toString('hex')}`, topics: [topic] }, async (batch) => {
    messages.push(...batch.messages);
  });
  return { messages, stop: () => consumption.stop() };
}
