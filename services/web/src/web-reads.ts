import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventStore } from '@turnaround/event-store';
import { FeedBatches, ProfileCatalogue } from '@turnaround/feeds';
import { MetricCatalogues } from '@turnaround/domain';
import { Clock, CLOCK, EVENT_STORE, METRIC_CATALOGUES, Principal, ReadAnswers, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { AlertQueries, ContractHistoryQueries, CoverageQueries, PublishedMetrics, RegistryQueries, ScorecardQueries } from '@turnaround/read-model';
import { WebAccess } from './web-access';

/**
 * The read model's query classes the pages read through: the same classes, called the same way,
 * as the API controllers, with the access rules of the API routes they mirror (`access`). The
 * feed service's batches and profiles belong to its module, which the web may not import
 * (services never import one another), so they are found in the running application by class.
 */
@Injectable()
export class WebReads implements OnModuleInit {
  readonly registry: RegistryQueries;
  readonly contractHistory: ContractHistoryQueries;
  readonly scorecards: ScorecardQueries;
  readonly alerts: AlertQueries;
  readonly coverage: CoverageQueries;
  readonly metrics: PublishedMetrics;
  batches!: FeedBatches;
  profiles!: ProfileCatalogue;

  constructor(
    private readonly modules: ModuleRef,
    @Inject(SQL_CLIENT) sql: SqlClient,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(TURNAROUND_CONFIG) readonly config: TurnaroundConfig,
    @Inject(CLOCK) readonly clock: Clock,
    /** The process's catalogues: what the pages say a metric is (its words, its kind). */
    @Inject(METRIC_CATALOGUES) readonly catalogues: MetricCatalogues,
    readonly access: WebAccess,
    private readonly answers: ReadAnswers,
  ) {
    this.registry = new RegistryQueries(sql);
    this.contractHistory = new ContractHistoryQueries(store);
    this.scorecards = new ScorecardQueries(sql);
    this.alerts = new AlertQueries(sql);
    this.coverage = new CoverageQueries(sql);
    this.metrics = new PublishedMetrics(sql, config.nMin, catalogues.indicators);
  }

  onModuleInit(): void {
    this.batches = this.modules.get(FeedBatches, { strict: false });
    this.profiles = this.modules.get(ProfileCatalogue, { strict: false });
  }

  /**
   * A page's view of the read model (`read`), read once per state of the read model for the
   * reader's role and `call` (the page and what it was asked: ids, asOf), as the API's heaviest
   * reads are (`ReadAnswers`). Only for views that follow from the read model's tables alone.
   */
  view<T>(principal: Principal, call: string, read: () => Promise<T>): Promise<T> {
    return this.answers.view(`${JSON.stringify(principal.role)} ${call}`, read);
  }
}
