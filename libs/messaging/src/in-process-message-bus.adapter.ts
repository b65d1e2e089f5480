import { Consumption, IncomingMessage, MessageBatch, MessageBus, OutgoingMessage } from './message-bus.port';

/**
 * The bus of the embedded default, where Kafka would be: topics are in-memory logs of this
 * process. A group's consumer gets every message published after it subscribed (one
 * partition per topic), batch by batch, the next batch after its handler resolves.
 */
export class InProcessMessageBus implements MessageBus {
  readonly kind = 'in-process';
  private readonly topics = new Map<string, IncomingMessage[]>();
  private readonly wakers = new Set<() => void>();

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    const log = this.topicLog(topic);
    for (const message of messages)
      log.push({ topic, partition: 0, offset: String(log.length), key: message.key, value: message.value, headers: { ...message.headers } });
    this.wakers.forEach((wake) => wake());
  }

  /** Everything published to a topic so far (what a webhook or a test reads). */
  published(topic: string): readonly IncomingMessage[] {
    return this.topicLog(topic);
  }

  async consume(options: { groupId: string; topics: readonly string[] }, handle: (batch: MessageBatch) => Promise<void>): Promise<Consumption> {
    const next = new Map(options.topics.map((topic) => [topic, this.topicLog(topic).length]));
    let stopped = false;
    let wake: () => void = () => undefined;
    const waker = () => wake();
    this.wakers.add(waker);
    const loop = (async () => {
      while (!stopped) {
        let handled = false;
        for (const topic of options.topics) {
          const log = this.topicLog(topic);
          const from = next.get(topic) as number;
          if (from >= log.length) continue;
          const messages = log.slice(from);
          try {
            await handle({ topic, partition: 0, messages });
            next.set(topic, from + messages.length);
          } catch {
            // As on Kafka, an unfinished batch comes again; wait a little first.
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          handled = true;
        }
        if (!handled) await new Promise<void>((resolve) => (wake = resolve));
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        this.wakers.delete(waker);
        wake();
        await loop;
      },
    };
  }

  async close(): Promise<void> {
    this.wakers.forEach((wake) => wake());
  }

  private topicLog(topic: string): IncomingMessage[] {
    let log = this.topics.get(topic);
    if (!log) this.topics.set(topic, (log = []));
    return log;
  }
}
