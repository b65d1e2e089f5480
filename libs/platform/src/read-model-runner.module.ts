import { Global, Inject, Injectable, Logger, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Checkpoint, EventStore, LogFollower } from '@turnaround/event-store';
import { SqlClient } from '@turnaround/postgres';
import { Alerting } from '@turnaround/alerting';
import { MetricCatalogues } from '@turnaround/domain';
import { alertsProjection, readSideProjection } from '@turnaround/read-model';
import { TurnaroundConfig } from './config';
import { LogFollowers } from './log-followers';
import { ReadAnswers } from './read-answers';
import { EVENT_STORE, METRIC_CATALOGUES, SQL_CLIENT, TURNAROUND_CONFIG } from './tokens';

/**
 * Runs the read models of the process, each on its log follower: the `read-side` projection
 * (`readSideProjection`: registry, metrics, scorecards) and the alerts; and the alerting service
 * that turns scorecard changes into alert events, which looks for new changes each time the
 * read side commits a page. A command's answer waits here until the read models have its write
 * (`after`, `afterAlert`); the demo and the tests wait for them to settle (`settled`).
 */
@Injectable()
export class ReadModelRunner implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReadModelRunner');
  private readonly readSide: LogFollower;
  private readonly alerts: LogFollower;
  private alerting?: Alerting;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(TURNAROUND_CONFIG) config: TurnaroundConfig,
    @Inject(METRIC_CATALOGUES) catalogues: MetricCatalogues,
    runners: LogFollowers,
  ) {
    this.readSide = runners.create(readSideProjection({ rules: { tolerance: config.tolerance }, catalogues }));
    this.alerts = runners.create(alertsProjection);
  }

  async onModuleInit(): Promise<void> {
    await this.readSide.start();
    await this.alerts.start();
    const alerting = await Alerting.create(this.store, this.sql, (error) => this.logger.error(`alerting failed, retrying: ${String(error)}`));
    this.readSide.onApplied(() => alerting.wake());
    alerting.start();
    this.alerting = alerting;
  }

  async onModuleDestroy(): Promise<void> {
    await this.alerting?.stop();
    await this.alerts.stop();
    await this.readSide.stop();
  }

  /**
   * Resolves once the read side has judged everything in the log and every alert it called for
   * is raised and in the alerts read model (the demo waits on it before it shows the result).
   */
  async settled(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.readSide.caughtUp()) && (await this.alerts.caughtUp())) {
        await this.alerting?.drain();
        // what the alerting appended is in the alerts read model once it has caught up again
        if (await this.alerts.caughtUp()) return;
      }
      if (Date.now() > deadline) throw new Error(`the read side did not catch up with the log within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A command's answer shows its own write: waits (briefly) for the `read-side` projection to pass it, then reads. */
  async after<T>(written: { position: Checkpoint }, read: () => Promise<T>): Promise<T> {
    await this.readSide.waitFor(written.position);
    return read();
  }

  /** As `after`, for an alert event: waits for the alerts read model. */
  async afterAlert<T>(written: { position: Checkpoint }, read: () => Promise<T>): Promise<T> {
    await this.alerts.waitFor(written.position);
    return read();
  }
}

@Global()
@Module({ providers: [LogFollowers, ReadModelRunner, ReadAnswers], exports: [LogFollowers, ReadModelRunner, ReadAnswers] })
export class ReadModelRunnerModule {}
