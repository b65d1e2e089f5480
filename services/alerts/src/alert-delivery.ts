import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventStore, ProjectionRunner } from '@turnaround/event-store';
import { MessageBus, topicsOf } from '@turnaround/messaging';
import { EVENT_STORE, MESSAGE_BUS, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { alertPublisher } from './alert-publisher.reaction';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { webhookOutbox } from './webhooks/webhook-outbox.reaction';
import { WebhookStore } from './webhooks/webhook-store';

/**
 * Delivers alert events to the districts: the Kafka publisher, the webhook outbox and its
 * dispatcher. The alerts themselves are raised by the read side's alerting (ReadSideModule).
 */
@Injectable()
export class AlertDelivery implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AlertDelivery');
  private readonly publisher: ProjectionRunner;
  private readonly outbox: ProjectionRunner;
  private readonly dispatcher: WebhookDispatcher;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(SQL_CLIENT) sql: SqlClient,
    @Inject(TURNAROUND_CONFIG) config: TurnaroundConfig,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    webhooks: WebhookStore,
  ) {
    const onError = (what: string) => (error: unknown) => this.logger.error(`${what} failed, restarting: ${String(error)}`);
    this.publisher = new ProjectionRunner(store, sql, alertPublisher(store, bus, topicsOf(config.kafkaTopicPrefix).alerts), onError('alert publisher'));
    this.outbox = new ProjectionRunner(store, sql, webhookOutbox(store, webhooks), onError('webhook outbox'));
    this.dispatcher = new WebhookDispatcher(webhooks, config.webhookRetry);
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
