import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { PostgresEventStore } from '@turnaround/event-store';
import { openDatabase, SqlClient } from '@turnaround/postgres';
import { TurnaroundConfig } from './config';
import { CLOCK, EVENT_STORE, SQL_CLIENT, TURNAROUND_CONFIG } from './tokens';
import { AggregateStore } from './aggregate-store';

/** One database connection (server or PGlite) and one event store for the whole process. */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  static forRoot(config: TurnaroundConfig): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: TURNAROUND_CONFIG, useValue: config },
        { provide: SQL_CLIENT, useFactory: () => openDatabase(config) },
        { provide: EVENT_STORE, useFactory: (sql: SqlClient) => PostgresEventStore.create(sql), inject: [SQL_CLIENT] },
        { provide: CLOCK, useValue: () => new Date() },
        AggregateStore,
      ],
      exports: [TURNAROUND_CONFIG, SQL_CLIENT, EVENT_STORE, CLOCK, AggregateStore],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sql.close();
  }
}
