import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventStore, LogFollower } from '@turnaround/event-store';
import { MessageBus, topicsOf } from '@turnaround/messaging';
import { EVENT_STORE, MESSAGE_BUS, LogFollowers, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { alertPublisher } from './alert-publisher.reaction';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { webhookOutbox } from './webhooks/webhook-outbox.reaction';
import { WebhookStore } from './webhooks/webhook-store';

/**
 * Delivers alert events to the districts: the Kafka publisher, the webhook outbox and its
 * dispatcher. The alerts themselves are raised by the read side's alerting (ReadModelRunnerModule).
 */
@Injectable()
export class AlertDelivery implements OnModuleInit, OnModuleDestroy {
  private readonly publisher: LogFollower;
  private readonly outbox: LogFollower;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(TURNAROUND_CONFIG) config: TurnaroundConfig,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    webhooks: WebhookStore,
    private readonly dispatcher: WebhookDispatcher,
    runners: LogFollowers,
  ) {
    this.publisher = runners.create(alertPublisher(store, bus, topicsOf(config.kafkaTopicPrefix).alerts, config.alertMessages));
    this.outbox = runners.create(webhookOutbox(store, webhooks));
  }

  async onModuleInit(): Promise<void> {
    await this.publisher.start();
    await this.outbox.start();
    this.dispatcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.stop();
    await this.outbox.stop();
    await this.publisher.stop();
  }
}
