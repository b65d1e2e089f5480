import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { FEED_CONSUMER_GROUP, KafkaMessageBus, MessageBus, topicsOf } from '@turnaround/messaging';
import { FEED_KINDS } from '@turnaround/domain';
import { DISTRICT_EMAIL, DistrictEmail, MESSAGE_BUS, LogFollowers, ReadAnswers, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { HttpMiddleware, routeOf } from './logging';

/** A parked runner's error as a label: bounded, so one long message cannot bloat every scrape. */
const ERROR_LABEL_CHARS = 200;

/**
 * What `GET /metrics` shows (docs/architecture.md#operations-and-security). Two kinds of figures:
 * - this process's: HTTP latency, its projection runners (lag, failures, parked), Kafka consumer lag;
 * - the deployment's, read from the database at each scrape: feed records by outcome, alerts by
 *   status and severity, webhook deliveries by state. Every instance shows the same values
 *   (take `max`, not `sum`, across instances).
 */
@Injectable()
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'route' | 'method' | 'status'>;
  private readonly feedRecords: Gauge<'feed' | 'channel' | 'outcome'>;
  private readonly lagEvents: Gauge<'projection'>;
  private readonly lagSeconds: Gauge<'projection'>;
  private readonly failures: Gauge<'projection'>;
  private readonly parked: Gauge<'projection'>;
  private readonly parkedAt: Gauge<'projection' | 'event_id' | 'event_type' | 'error'>;
  private readonly alerts: Gauge<'status' | 'severity'>;
  private readonly deliveries: Gauge<'state'>;
  private readonly kafkaLag: Gauge<'group' | 'topic' | 'partition'>;

  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
    private readonly runners: LogFollowers,
    answers: ReadAnswers,
    @Inject(DISTRICT_EMAIL) email: DistrictEmail,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'turnaround_http_request_duration_seconds',
      help: 'HTTP requests by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
      registers,
    });
    this.feedRecords = new Gauge({
      name: 'turnaround_feed_records',
      help: 'feed records pushed so far, by feed, channel and outcome (accepted, duplicate, restated, rejected, skipped); the deployment total from feed_batches',
      labelNames: ['feed', 'channel', 'outcome'],
      registers,
    });
    this.lagEvents = new Gauge({
      name: 'turnaround_projection_lag_events',
      help: 'events of the log a projection runner of this process has not passed (counted up to 5000)',
      labelNames: ['projection'],
      registers,
    });
    this.lagSeconds = new Gauge({
      name: 'turnaround_projection_lag_seconds',
      help: 'how long the oldest event a projection runner has not applied has been known (0 when caught up)',
      labelNames: ['projection'],
      registers,
    });
    this.failures = new Gauge({
      name: 'turnaround_projection_failures',
      help: 'failed batches in a row of a projection runner (0 once a batch goes through)',
      labelNames: ['projection'],
      registers,
    });
    this.parked = new Gauge({
      name: 'turnaround_projection_parked',
      help: '1 while a projection runner is parked before an event it cannot apply',
      labelNames: ['projection'],
      registers,
    });
    this.parkedAt = new Gauge({
      name: 'turnaround_projection_parked_event',
      help: 'the event a parked runner stopped before, and its error (resume: npm run turnaround -- projections resume NAME)',
      labelNames: ['projection', 'event_id', 'event_type', 'error'],
      registers,
    });
    this.alerts = new Gauge({
      name: 'turnaround_alerts',
      help: 'alerts by status and severity, from the alerts read model',
      labelNames: ['status', 'severity'],
      registers,
    });
    this.deliveries = new Gauge({
      name: 'turnaround_webhook_deliveries',
      help: 'webhook deliveries by state (pending, delivered, dead)',
      labelNames: ['state'],
      registers,
    });
    new Counter({
      name: 'turnaround_read_answers_total',
      help: 'calls of the heaviest API reads and web pages, by outcome: kept (answered from what was kept for the same call by the same role in the same read model state) or read',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        for (const outcome of ['kept', 'read'] as const) this.inc({ outcome }, answers.answered[outcome]);
      },
    });
    new Counter({
      name: 'turnaround_email_messages_total',
      help: 'alert emails this process handed to the relay, by outcome: sent, failed (retried later), dead (given up); a digest counts once',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        for (const [outcome, count] of Object.entries(email.outcomes)) this.inc({ outcome }, count);
      },
    });
    this.kafkaLag = new Gauge({
      name: 'turnaround_kafka_consumer_lag',
      help: 'feed messages not yet committed by the consumer group, by partition (with KAFKA_BROKERS)',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
  }

  /** Times every request by the route pattern it matched (never its path: ids would make a series each). */
  httpTiming(): HttpMiddleware {
    return (request, response, next) => {
      const stop = this.httpDuration.startTimer();
      response.on('finish', () => stop({ route: routeOf(request), method: request.method, status: String(response.statusCode) }));
      next();
    };
  }

  /** Reads the figures that are not counted as they happen, then writes them all in Prometheus' text format. */
  async scrape(): Promise<string> {
    await Promise.all([this.readFeedRecords(), this.readRunners(), this.readAlerts(), this.readDeliveries(), this.readKafkaLag()]);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async readFeedRecords(): Promise<void> {
    const rows = await this.sql.query<{
      feed: string;
      channel: string;
      accepted: string;
      duplicates: string;
      restated: string;
      skipped: string;
      rejected: string;
    }>(
      `SELECT feed, channel, sum(accepted) AS accepted, sum(duplicates) AS duplicates, sum(restated) AS restated, sum(skipped) AS skipped, sum(rejected_rows) AS rejected
       FROM feed_batches GROUP BY feed, channel`,
    );
    this.feedRecords.reset();
    for (const row of rows)
      for (const [outcome, value] of [
        ['accepted', row.accepted],
        ['duplicate', row.duplicates],
        ['restated', row.restated],
        ['skipped', row.skipped],
        ['rejected', row.rejected],
      ] as const)
        this.feedRecords.set({ feed: row.feed, channel: row.channel, outcome }, Number(value));
  }

  private async readRunners(): Promise<void> {
    const runners = this.runners.list();
    const lags = await Promise.all(runners.map((runner) => runner.lag()));
    this.parkedAt.reset();
    runners.forEach((runner, index) => {
      const projection = runner.name;
      const { failures, parked } = runner.status();
      this.lagEvents.set({ projection }, lags[index].events);
      this.lagSeconds.set({ projection }, lags[index].seconds);
      this.failures.set({ projection }, failures);
      this.parked.set({ projection }, parked ? 1 : 0);
      if (parked) this.parkedAt.set({ projection, event_id: parked.eventId, event_type: parked.eventType, error: parked.error.slice(0, ERROR_LABEL_CHARS) }, 1);
    });
  }

  private async readAlerts(): Promise<void> {
    const rows = await this.sql.query<{ status: string; severity: string; count: string }>(
      'SELECT status, severity, count(*) AS count FROM alerts GROUP BY status, severity',
    );
    this.alerts.reset();
    for (const row of rows) this.alerts.set({ status: row.status, severity: row.severity }, Number(row.count));
  }

  private async readDeliveries(): Promise<void> {
    const rows = await this.sql.query<{ status: string; count: string }>('SELECT status, count(*) AS count FROM webhook_deliveries GROUP BY status');
    this.deliveries.reset();
    for (const state of ['pending', 'delivered', 'dead']) this.deliveries.set({ state }, Number(rows.find((row) => row.status === state)?.count ?? 0));
  }

  private async readKafkaLag(): Promise<void> {
    if (!(this.bus instanceof KafkaMessageBus)) return;
    const topics = topicsOf(this.config.kafkaTopicPrefix);
    const lags = await this.bus.consumerLag(FEED_CONSUMER_GROUP, FEED_KINDS.map(topics.feed));
    this.kafkaLag.reset();
    for (const { topic, partition, lag } of lags) this.kafkaLag.set({ group: FEED_CONSUMER_GROUP, topic, partition: String(partition) }, lag);
  }
}
