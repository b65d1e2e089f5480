import { migrate, Migration, SqlClient, SqlExecutor } from '@turnaround/postgres';
import { Checkpoint, EventStore, START, StoredEvent, Subscription } from '../event-store.port';

/** A read model kept in SQL tables from the event log. */
export interface Projection {
  /** Names the checkpoint; changing it rebuilds the projection from position zero. */
  name: string;
  migrations: readonly Migration[];
  /** The tables it owns: emptied when it is rebuilt from position zero. */
  tables: readonly string[];
  /** Applies one batch. Runs in the same transaction that moves the checkpoint past the batch. */
  apply(tx: SqlExecutor, events: readonly StoredEvent[]): Promise<void>;
  /** The event types it reads when set: `apply` sees only those, and the others are not even fetched while it follows the log. */
  eventTypes?: ReadonlySet<string>;
}

/**
 * A process that reacts to the log by appending events of its own (the alerting service).
 * It runs outside any transaction, so it may append; its checkpoint moves after it returns.
 * A crash in between hands it the batch again: it must be idempotent (deterministic stream
 * ids and expected revisions make it so).
 */
export interface Reaction {
  name: string;
  react(events: readonly StoredEvent[]): Promise<void>;
  /** As for a projection: the event types it reacts to, when it needs only some. */
  eventTypes?: ReadonlySet<string>;
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
  private readonly listeners = new Set<(reached: Checkpoint) => void>();

  constructor(
    private readonly store: EventStore,
    private readonly sql: SqlClient,
    private readonly projection: Projection | Reaction,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    await this.prepare();
    this.stopped = false;
    await this.follow();
  }

  /** Creates or updates the tables (done by `start` and `catchUp` too). */
  async prepare(): Promise<void> {
    await migrate(this.sql, 'projections', CHECKPOINT_MIGRATIONS);
    if ('migrations' in this.projection) await migrate(this.sql, `projection:${this.projection.name}`, this.projection.migrations);
  }

  private async storedCheckpoint(): Promise<Checkpoint> {
    const stored = await this.sql.query<{ checkpoint: string }>('SELECT checkpoint FROM projection_checkpoints WHERE projection = $1', [this.projection.name]);
    return (stored[0]?.checkpoint ?? START) as Checkpoint;
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

  /** Whether the runner has applied (or moved past) every event of the log written so far. */
  async caughtUp(): Promise<boolean> {
    return (await this.store.readAll({ after: this.position, limit: 1 })).length === 0;
  }

  /** Called after each batch is committed, with the checkpoint reached: what reacts to the read model's new rows. */
  onApplied(listener: (reached: Checkpoint) => void): void {
    this.listeners.add(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.stop();
  }

  /** Applies everything after the stored checkpoint, batch by batch, and returns once the log is exhausted. */
  async catchUp(batchSize = 500): Promise<void> {
    await this.prepare();
    this.position = await this.storedCheckpoint();
    let page = this.store.readAll({ after: this.position, limit: batchSize });
    for (;;) {
      const events = await page;
      if (events.length === 0) return;
      const last = events[events.length - 1].position;
      // The next page is read while this one is applied: the log read and the projection's
      // writes overlap. Its failure, if this batch fails first, is the batch's to report.
      page = this.store.readAll({ after: last, limit: batchSize });
      page.catch(() => undefined);
      const types = this.projection.eventTypes;
      await this.applyBatch(types ? events.filter((event) => types.has(event.type)) : events, last);
    }
  }

  private async follow(): Promise<void> {
    this.position = await this.storedCheckpoint();
    const subscription = this.store.subscribe({ after: this.position, eventTypes: this.projection.eventTypes }, (events, reached) => this.applyBatch(events, reached));
    this.subscription = subscription;
    subscription.done.catch((error) => {
      if (this.stopped) return;
      this.onError(error);
      // Start over from the last committed checkpoint: the failed batch was rolled back whole.
      setTimeout(() => !this.stopped && this.follow().catch(this.onError), RESTART_DELAY_MS);
    });
  }

  /** Applies `events` (none when the page held only types it does not read) and moves the checkpoint to `last`. */
  private async applyBatch(events: StoredEvent[], last: Checkpoint): Promise<void> {
    const projection = this.projection;
    const save = (executor: SqlExecutor) =>
      executor.query(
        `INSERT INTO projection_checkpoints (projection, checkpoint) VALUES ($1, $2)
         ON CONFLICT (projection) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, updated_at = now()`,
        [projection.name, last],
      );
    if (events.length === 0) {
      await save(this.sql);
    } else if ('apply' in projection) {
      await this.sql.transaction(async (tx) => {
        await projection.apply(tx, events);
        await save(tx);
      });
    } else {
      await projection.react(events);
      await save(this.sql);
    }
    this.position = last;
    for (const listener of this.listeners) listener(last);
    for (const waiter of this.waiters) {
      if (waiter.position <= last) {
        this.waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }
}

/**
 * Waits until every named projection has applied `position`, as its stored checkpoint shows:
 * works whether the projections run in this process or another. Throws after `timeoutMs`.
 */
export async function projectionsReached(sql: SqlExecutor, names: readonly string[], position: Checkpoint, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await sql.query<{ checkpoint: string }>('SELECT checkpoint FROM projection_checkpoints WHERE projection = ANY($1::text[])', [names]);
    if (rows.length === names.length && rows.every((row) => row.checkpoint >= position)) return;
    if (Date.now() > deadline) throw new Error(`projections ${names.join(', ')} did not reach ${position} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Rebuilds a projection from position zero (`turnaround replay`): empties its tables and its
 * checkpoint in one transaction, then applies the whole log. Run it while no runner of the
 * same projection is following the log.
 */
export async function rebuildProjection(store: EventStore, sql: SqlClient, projection: Projection): Promise<void> {
  const runner = new ProjectionRunner(store, sql, projection);
  await runner.prepare();
  await sql.transaction(async (tx) => {
    for (const table of projection.tables) await tx.query(`DELETE FROM ${table}`);
    await tx.query('DELETE FROM projection_checkpoints WHERE projection = $1', [projection.name]);
  });
  await runner.catchUp(REBUILD_BATCH);
}

/** A rebuild reads the log in larger pages than a live runner: fewer transactions, and a projection can work set-wise on more at once. */
const REBUILD_BATCH = 2_000;
