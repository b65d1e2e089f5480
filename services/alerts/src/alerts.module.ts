import { Module } from '@nestjs/common';
import { AlertsController } from './alerts.controller';
import { AlertDelivery } from './alert-delivery';
import { DISTRICT_WEBHOOKS, DistrictWebhooks, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhookStore } from './webhooks/webhook-store';
import { AlertQueries } from '@turnaround/read-model';

/** The alert API, and delivery to districts (Kafka topic, webhooks). */
@Module({
  controllers: [AlertsController, WebhooksController],
  providers: [
    AlertDelivery,
    { provide: AlertQueries, useFactory: (sql: SqlClient) => new AlertQueries(sql), inject: [SQL_CLIENT] },
    { provide: WebhookStore, useFactory: (sql: SqlClient, config: TurnaroundConfig) => WebhookStore.create(sql, config), inject: [SQL_CLIENT, TURNAROUND_CONFIG] },
    // One dispatcher: the outbox's sends and a district's test delivery take the same path.
    { provide: WebhookDispatcher, useFactory: (webhooks: WebhookStore, config: TurnaroundConfig) => new WebhookDispatcher(webhooks, config.webhookRetry), inject: [WebhookStore, TURNAROUND_CONFIG] },
    // The web app's webhook pages act through this port: the same store and dispatcher as the API's routes.
    {
      provide: DISTRICT_WEBHOOKS,
      useFactory: (webhooks: WebhookStore, dispatcher: WebhookDispatcher): DistrictWebhooks => ({
        register: (districtId, body) => webhooks.register(districtId, body),
        list: (districtId) => webhooks.list(districtId),
        remove: (districtId, webhookId) => webhooks.remove(districtId, webhookId),
        rotate: (districtId, webhookId) => webhooks.rotate(districtId, webhookId),
        test: (districtId, webhookId) => dispatcher.test(districtId, webhookId),
      }),
      inject: [WebhookStore, WebhookDispatcher],
    },
  ],
  exports: [DISTRICT_WEBHOOKS],
})
export class AlertsModule {}
