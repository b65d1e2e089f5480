import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { InProcessMessageBus, KafkaMessageBus, MessageBus, topicsOf } from '@turnaround/messaging';
import { FEED_KINDS } from '@turnaround/domain';
import { TurnaroundConfig } from './config';
import { MESSAGE_BUS } from './tokens';

/** Kafka when KAFKA_BROKERS is set; otherwise the in-process bus of the embedded default. */
@Global()
@Module({})
export class MessagingModule implements OnApplicationShutdown {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  static forRoot(config: TurnaroundConfig): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        {
          provide: MESSAGE_BUS,
          useFactory: async () => {
            if (!config.kafkaBrokers) return new InProcessMessageBus();
            const logger = new Logger('kafkajs');
            const bus = new KafkaMessageBus(config.kafkaBrokers, undefined, (level, message, fields) => {
              const line = { msg: message, ...fields };
              if (level === 'error') logger.error(line);
              else if (level === 'warn') logger.warn(line);
              else if (level === 'info') logger.log(line);
              else logger.debug(line);
            });
            const topics = topicsOf(config.kafkaTopicPrefix);
            await bus.ensureTopics([...FEED_KINDS.map(topics.feed), topics.dlq, topics.alerts]);
            return bus;
          },
        },
      ],
      exports: [MESSAGE_BUS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}
