import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { FEED_KINDS, FeedKind, FieldIssue } from '@turnaround/domain';
import { FeedIngestor } from '@turnaround/feeds';
import { Consumption, FEED_CONSUMER_GROUP, IncomingMessage, MessageBatch, MessageBus, topicsOf } from '@turnaround/messaging';
import { FeedDeadLetter, MESSAGE_BUS, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';

/**
 * Feeds over Kafka (docs/architecture.md#outside-interfaces): one JSON record per message on
 * `turnaround.feed.{kind}.v1`, through the same FeedIngestor as HTTP and the CLI. A batch's
 * offsets are committed after its events are stored and its rejected records are on
 * `turnaround.feed.dlq.v1` with the reason and the original payload; a message that is not
 * even JSON goes there too, so nothing blocks a partition.
 */
@Injectable()
export class FeedTopicsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FeedTopics');
  private readonly topics: ReturnType<typeof topicsOf>;
  private readonly kinds: Map<string, FeedKind>;
  private consumption?: Consumption;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly ingestor: FeedIngestor,
    @Inject(TURNAROUND_CONFIG) config: TurnaroundConfig,
  ) {
    this.topics = topicsOf(config.kafkaTopicPrefix);
    this.kinds = new Map(FEED_KINDS.map((kind) => [this.topics.feed(kind), kind]));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumption = await this.bus.consume({ groupId: FEED_CONSUMER_GROUP, topics: [...this.kinds.keys()] }, (batch) => this.handle(batch));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumption?.stop();
  }

  private async handle(batch: MessageBatch): Promise<void> {
    const kind = this.kinds.get(batch.topic) as FeedKind;
    const dead: { message: IncomingMessage; issues: FieldIssue[] }[] = [];
    const parsed: { message: IncomingMessage; record: unknown }[] = [];
    for (const message of batch.messages) {
      try {
        parsed.push({ message, record: JSON.parse(message.value ?? '') });
      } catch (error) {
        dead.push({ message, issues: [{ field: '(message)', message: `expected one JSON record per message: ${(error as Error).message}` }] });
      }
    }
    const first = batch.messages[0];
    const result = await this.ingestor.ingestRecords(
      kind,
      parsed.map((entry) => entry.record),
      { channel: 'kafka', actor: `kafka:${batch.topic}`, correlationId: `${batch.topic}/${batch.partition}/${first.offset}` },
    );
    for (const rejection of result.rejections)
      dead.push({ message: parsed[rejection.row - 1].message, issues: rejection.issues.map(({ field, message }) => ({ field, message })) });
    await this.bus.publish(
      this.topics.dlq,
      dead.map(({ message, issues }) => ({
        key: message.key ?? '',
        value: JSON.stringify({
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          key: message.key,
          batchId: result.batchId,
          reason: issues,
          payload: message.value,
        } satisfies FeedDeadLetter),
        headers: { 'source-topic': message.topic, 'source-offset': `${message.partition}/${message.offset}` },
      })),
    );
    if (dead.length > 0) this.logger.warn(`${batch.topic}/${batch.partition}: ${dead.length} of ${batch.messages.length} records to ${this.topics.dlq}`);
  }
}
