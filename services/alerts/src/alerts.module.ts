import { Module } from '@nestjs/common';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhookStore } from './webhooks/webhook-store';
import { ScorecardLines } from '@turnaround/read-model';

/** The alerting service, the alerts read model, the alert API, and delivery to districts (Kafka topic, webhooks). */
@Module({
  controllers: [AlertsController, WebhooksController],
  providers: [
    AlertsService,
    { provide: WebhookStore, useFactory: (sql: SqlClient) => WebhookStore.create(sql), inject: [SQL_CLIENT] },
    { provide: ScorecardLines, useFactory: (sql: SqlClient) => ScorecardLines.create(sql), inject: [SQL_CLIENT] },
  ],
})
export class AlertsModule {}
