import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventStore, ProjectionRunner } from '@turnaround/event-store';
import { EVENT_STORE, SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { metricsProjection } from '@turnaround/read-model';

/** Keeps the metrics tables up to date from the event log, from its checkpoint on. */
@Injectable()
export class MetricsReadModel implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('MetricsProjection');
  readonly runner: ProjectionRunner;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(SQL_CLIENT) sql: SqlClient) {
    this.runner = new ProjectionRunner(store, sql, metricsProjection, (error) => this.logger.error(`projection failed, restarting: ${String(error)}`));
  }

  onModuleInit(): Promise<void> {
    return this.runner.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.runner.stop();
  }
}
