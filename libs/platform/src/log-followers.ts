import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventStore, Projection, LogFollower, Reaction } from '@turnaround/event-store';
import { SqlClient } from '@turnaround/postgres';
import { TurnaroundConfig } from './config';
import { EVENT_STORE, SQL_CLIENT, TURNAROUND_CONFIG } from './tokens';

/**
 * Every log follower of the process (its projections and reactions), made one way: its failures logged, its backoff,
 * parking and lease as configured (PROJECTION_*). What `/health/ready`, `/metrics` and
 * `turnaround projections` read and resume.
 */
@Injectable()
export class LogFollowers {
  private readonly logger = new Logger('Projections');
  private readonly runners = new Map<string, LogFollower>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
  ) {}

  create(projection: Projection | Reaction): LogFollower {
    if (this.runners.has(projection.name)) throw new Error(`a runner of projection '${projection.name}' already runs in this process`);
    const runner = new LogFollower(this.store, this.sql, projection, {
      onError: (error) => this.logger.error(`${projection.name}: ${error instanceof Error ? error.message : String(error)}`),
      retry: this.config.projectionRetry,
      lease: this.config.projectionLease,
    });
    this.runners.set(projection.name, runner);
    return runner;
  }

  list(): LogFollower[] {
    return [...this.runners.values()];
  }

  get(name: string): LogFollower | undefined {
    return this.runners.get(name);
  }
}
