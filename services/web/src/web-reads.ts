import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { AlertQueries, CoverageQueries, MetricQueries, PublishedMetrics, RegistryQueries, ScorecardQueries } from '@turnaround/read-model';
import { WebAccess } from './web-access';

/**
 * The read model's query classes the pages read through: the same classes, called the same way,
 * as the API controllers, with the access rules of the API routes they mirror (`access`).
 */
@Injectable()
export class WebReads {
  readonly registry: RegistryQueries;
  readonly scorecards: ScorecardQueries;
  readonly alerts: AlertQueries;
  readonly coverage: CoverageQueries;
  readonly metrics: PublishedMetrics;
  /** The state's value of a metric (`state`): what `stateAverage` targets are judged against, and the state line of the trend charts. */
  readonly stateMetrics: MetricQueries;

  constructor(
    @Inject(SQL_CLIENT) sql: SqlClient,
    @Inject(TURNAROUND_CONFIG) readonly config: TurnaroundConfig,
    @Inject(CLOCK) readonly clock: Clock,
    readonly access: WebAccess,
  ) {
    this.registry = new RegistryQueries(sql);
    this.scorecards = new ScorecardQueries(sql);
    this.alerts = new AlertQueries(sql);
    this.coverage = new CoverageQueries(sql);
    this.metrics = new PublishedMetrics(sql, config.nMin);
    this.stateMetrics = new MetricQueries(sql);
  }
}
