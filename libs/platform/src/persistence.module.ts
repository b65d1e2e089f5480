import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { EventStore, openEventStore } from '@turnaround/event-store';
import { loadMetricCatalogues } from '@turnaround/feeds';
import { openDatabase, SqlClient } from '@turnaround/postgres';
import { TurnaroundConfig } from './config';
import { Clock, CLOCK, EVENT_STORE, METRIC_CATALOGUES, SQL_CLIENT, TURNAROUND_CONFIG } from './tokens';
import { AggregateStore } from './aggregate-store';
import { AccessGuard, ApiKeys } from './access';
import { DashboardReads } from './dashboard-reads';

/**
 * One database connection (server or PGlite), one event store (in that database, or EventStoreDB
 * when EVENTSTORE_URL is set), the API keys for the whole process, the dashboards' grants, and
 * the metric catalogues (METRIC_CATALOGUES), read once from their folders before anything runs.
 */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** `clock`: the machine's, unless the demo loads a simulated history (knowledge times are stamped from it). */
  static forRoot(config: TurnaroundConfig, clock: Clock = () => new Date()): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: TURNAROUND_CONFIG, useValue: config },
        { provide: SQL_CLIENT, useFactory: () => openDatabase(config) },
        { provide: EVENT_STORE, useFactory: (sql: SqlClient) => openEventStore(sql, { ...config, clock }), inject: [SQL_CLIENT] },
        { provide: CLOCK, useValue: clock },
        { provide: METRIC_CATALOGUES, useFactory: () => loadMetricCatalogues(config) },
        AggregateStore,
        { provide: ApiKeys, useFactory: (sql: SqlClient) => ApiKeys.create(sql, config.bootstrapKey), inject: [SQL_CLIENT] },
        DashboardReads,
        // Every route is checked against ACCESS_MATRIX; a route missing from it admits nobody. The one guard is
        // also what admits a caller before its body is read (`useJsonBodies`).
        AccessGuard,
        { provide: APP_GUARD, useExisting: AccessGuard },
      ],
      exports: [TURNAROUND_CONFIG, SQL_CLIENT, EVENT_STORE, CLOCK, METRIC_CATALOGUES, AggregateStore, ApiKeys, AccessGuard],
    };
  }

  /** Closing the event store closes the database connection too. */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
