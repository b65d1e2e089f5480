import { migrate, Migration, SqlClient, SqlExecutor } from '@turnaround/postgres';
import { Checkpoint, EventStore, START, StoredEvent, Subscription } from '../event-store.port';

/** A read model kept in SQL tables from the event log. */
export interface Projection {
  /** Names the checkpoint; changing it rebuilds the projection from position zero. */
  name: string;
  migrations: readonly Migration[];
  /** Applies one batch. Runs in the same transaction that moves the checkpoint past the batch. */
  apply(tx: SqlExecutor, events: readonly StoredEvent[]): Promise<void>;
}

const CHECKPOINT_MIGRATIONS: readonly Migration[] = [
  {
    id: '0001-checkpoints',
    sql: `CREATE TABLE projection_checkpoints (
      projection text PRIMARY KEY,
      checkpoint text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  },
];

const RESTART_DELAY_MS = 1_000;

/**
 * Runs a projection: catches up from its stored checkpoint, then follows the log. Rows and
 * checkpoint are written in one transaction, so a crash at any point leaves either the whole
 * batch applied and counted, or none of it.
 */
export class ProjectionRunner {
  private subscription?: Subscription;
  private position: Checkpoint = START;
  private stopped = false;
  private readonly waiters = new Set<{ position: Checkpoint; resolve: (reached: boolean) => void }>();

  constructor(
    private readonly store: EventStore,
    private readonly sql: SqlClient,
    private readonly projection: Projection,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    await migrate(this.sql, 'projections', CHECKPOINT_MIGRATIONS);
    await migrate(this.sql, `projection:${this.projection.name}`, this.projection.migrations);
    this.stopped = false;
    await this.follow();
  }

  /** Resolves true once the projection has applied `position`, false after `timeoutMs`. */
  waitFor(position: Checkpoint, timeoutMs = 5_000): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, resolve };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      waiter.resolve = (reached) => {
        clearTimeout(timer);
        resolve(reached);
      };
      this.waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.stop();
  }

  private async follow(): Promise<void> {
    const stored = await this.sql.query<{ checkpoint: string }>('SELECT checkpoint FROM projection_checkpoints WHERE projection = $1', [
      this.projection.name,
    ]);
    this.position = (stored[0]?.checkpoint ?? START) as Checkpoint;
    const subscription = this.store.subscribe({ after: this.position }, (events) => this.applyBatch(events));
    this.subscription = subscription;
    subscription.done.catch((error) => {
      if (this.stopped) return;
      this.onError(error);
      // Start over from the last committed checkpoint: the failed batch was rolled back whole.
      setTimeout(() => !this.stopped && this.follow().catch(this.onError), RESTART_DELAY_MS);
    });
  }

  private async applyBatch(events: StoredEvent[]): Promise<void> {
    const last = events[events.length - 1].position;
    await this.sql.transaction(async (tx) => {
      await this.projection.apply(tx, events);
      await tx.query(
        `INSERT INTO projection_checkpoints (projection, checkpoint) VALUES ($1, $2)
         ON CONFLICT (projection) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, updated_at = now()`,
        [this.projection.name, last],
      );
    });
    this.position = last;
    for (const waiter of this.waiters) {
      if (waiter.position <= last) {
        this.waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }
}
