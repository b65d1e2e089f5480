import { Module } from '@nestjs/common';
import { AlertsController } from './alerts.controller';
import { AcknowledgeAlertHandler } from './alerts.commands';
import { AlertDelivery } from './alert-delivery';
import {
  Clock,
  CLOCK,
  DISTRICT_EMAIL,
  DISTRICT_WEBHOOKS,
  DistrictEmail,
  DistrictWebhooks,
  METRIC_CATALOGUES,
  openSecretBox,
  SQL_CLIENT,
  TURNAROUND_CONFIG,
  TurnaroundConfig,
} from '@turnaround/platform';
import { MetricCatalogues } from '@turnaround/domain';
import { SqlClient } from '@turnaround/postgres';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhookStore } from './webhooks/webhook-store';
import { AlertQueries } from '@turnaround/read-model';
import { EmailController } from './email/email.controller';
import { EmailDelivery } from './email/email-delivery';
import { EmailDispatcher } from './email/email-dispatcher';
import { EmailMessages } from './email/email-messages';
import { districtEmail } from './email/district-email';
import { EmailStore } from './email/email-store';

/** The alert API, and delivery to districts (Kafka topic, webhooks, email). */
@Module({
  controllers: [AlertsController, WebhooksController, EmailController],
  providers: [
    AcknowledgeAlertHandler,
    AlertDelivery,
    { provide: AlertQueries, useFactory: (sql: SqlClient) => new AlertQueries(sql), inject: [SQL_CLIENT] },
    {
      provide: WebhookStore,
      useFactory: (sql: SqlClient, config: TurnaroundConfig) => WebhookStore.create(sql, config),
      inject: [SQL_CLIENT, TURNAROUND_CONFIG],
    },
    // One dispatcher: the outbox's sends and a district's test delivery take the same path.
    {
      provide: WebhookDispatcher,
      useFactory: (webhooks: WebhookStore, config: TurnaroundConfig) => new WebhookDispatcher(webhooks, config.webhookRetry, config.alertMessages),
      inject: [WebhookStore, TURNAROUND_CONFIG],
    },
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
    // Alert emails: the store and outbox always; the dispatcher only with a relay (SMTP_URL).
    {
      provide: EmailStore,
      useFactory: (sql: SqlClient, config: TurnaroundConfig, clock: Clock) => EmailStore.create(sql, clock, config.email.timeZone),
      inject: [SQL_CLIENT, TURNAROUND_CONFIG, CLOCK],
    },
    {
      provide: EmailMessages,
      useFactory: (config: TurnaroundConfig, catalogues: MetricCatalogues) =>
        new EmailMessages(config.email.publicUrl, openSecretBox(config).derivedKey('email links'), catalogues),
      inject: [TURNAROUND_CONFIG, METRIC_CATALOGUES],
    },
    {
      provide: EmailDispatcher,
      useFactory: (email: EmailStore, messages: EmailMessages, config: TurnaroundConfig) => {
        const { relay } = config.email;
        return relay ? new EmailDispatcher(email, messages, { ...config.email, relay }) : null;
      },
      inject: [EmailStore, EmailMessages, TURNAROUND_CONFIG],
    },
    EmailDelivery,
    // The API's routes, the web app's settings and links, and the metrics act through this port.
    {
      provide: DISTRICT_EMAIL,
      useFactory: (email: EmailStore, messages: EmailMessages, dispatcher: EmailDispatcher | null, config: TurnaroundConfig): DistrictEmail =>
        districtEmail(email, messages, dispatcher, openSecretBox(config).derivedKey('email links')),
      inject: [EmailStore, EmailMessages, EmailDispatcher, TURNAROUND_CONFIG],
    },
  ],
  exports: [DISTRICT_WEBHOOKS, DISTRICT_EMAIL],
})
export class AlertsModule {}
