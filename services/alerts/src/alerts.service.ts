import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ValidationError } from '@turnaround/domain';
import { Checkpoint, EventStore, ProjectionRunner } from '@turnaround/event-store';
import { MessageBus, topicsOf } from '@turnaround/messaging';
import { Clock, CLOCK, EVENT_STORE, MESSAGE_BUS, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { ScorecardLines } from '@turnaround/read-model';
import { alertingReaction } from './alerting.reaction';
import { alertPublisher } from './alert-publisher.reaction';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { webhookOutbox } from './webhooks/webhook-outbox.reaction';
import { WebhookStore } from './webhooks/webhook-store';
import { alertsProjection } from './alerts.projection';

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;

/** Runs the alerting reaction, the alert publisher, the webhook outbox and dispatcher, and the alerts projection; answers the alert reads. */
@Injectable()
export class AlertsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Alerts');
  private readonly projection: ProjectionRunner;
  private readonly alerting: ProjectionRunner;
  private readonly publisher: ProjectionRunner;
  private readonly outbox: ProjectionRunner;
  private readonly dispatcher: WebhookDispatcher;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(TURNAROUND_CONFIG) config: TurnaroundConfig,
    @Inject(CLOCK) clock: Clock,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    webhooks: WebhookStore,
    scorecardLines: ScorecardLines,
  ) {
    const onError = (what: string) => (error: unknown) => this.logger.error(`${what} failed, restarting: ${String(error)}`);
    this.projection = new ProjectionRunner(store, sql, alertsProjection, onError('alerts projection'));
    this.alerting = new ProjectionRunner(store, sql, alertingReaction(store, sql, scorecardLines, () => ({ tolerance: config.tolerance }), clock), onError('alerting'));
    this.publisher = new ProjectionRunner(store, sql, alertPublisher(store, bus, topicsOf(config.kafkaTopicPrefix).alerts), onError('alert publisher'));
    this.outbox = new ProjectionRunner(store, sql, webhookOutbox(store, webhooks), onError('webhook outbox'));
    this.dispatcher = new WebhookDispatcher(webhooks, config.webhookRetry);
  }

  async onModuleInit(): Promise<void> {
    await this.projection.start();
    await this.alerting.start();
    await this.publisher.start();
    await this.outbox.start();
    this.dispatcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.stop();
    await this.outbox.stop();
    await this.publisher.stop();
    await this.alerting.stop();
    await this.projection.stop();
  }

  /** Read-your-writes for an acknowledgement. */
  async after<T>(written: { position: Checkpoint }, read: () => Promise<T>): Promise<T> {
    await this.projection.waitFor(written.position);
    return read();
  }

  list(filter: { districtId?: string; status?: string; contractId?: string }) {
    if (filter.status !== undefined && !(ALERT_STATUSES as readonly string[]).includes(filter.status))
      throw ValidationError.of('status', `expected one of ${ALERT_STATUSES.join(', ')}, got '${filter.status}'`);
    return this.sql.query(
      `SELECT ${ALERT} FROM alerts
       WHERE ($1::text IS NULL OR district_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR contract_id = $3)
       ORDER BY raised_at, alert_id`,
      [filter.districtId ?? null, filter.status ?? null, filter.contractId ?? null],
    );
  }

  async alert(alertId: string) {
    const [alert] = await this.sql.query(`SELECT ${ALERT} FROM alerts WHERE alert_id = $1`, [alertId]);
    return alert;
  }
}

const ALERT = `alert_id AS "alertId", school_id AS "schoolId", cluster_id AS "clusterId", contract_id AS "contractId",
  partner_id AS "partnerId", district_id AS "districtId", metric, contract_year AS "contractYear", school_year AS "schoolYear",
  checkpoint, target, actual, severity, status, raised_at AS "raisedAt", resolved_at AS "resolvedAt", resolution, acknowledgements`;
