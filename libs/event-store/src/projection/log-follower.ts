import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
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
  /**
   * A faster way to build its tables from position zero than applying the log page by page
   * (`buildFromLog`): writes into the migrated, empty tables `sql` sees what `apply` would from
   * the log up to a checkpoint, stores that checkpoint with them, and returns it. The runner
   * follows on from there. `onFolded` is told how many events each page folded.
   */
  fold?(log: EventStore, sql: SqlClient, onFolded?: (events: number) => void): Promise<Checkpoint>;
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
  { id: '0002-leases', sql: 'ALTER TABLE projection_checkpoints ADD COLUMN leader text, ADD COLUMN lease_until timestamptz' },
];

/**
 * How a runner whose batch keeps failing backs off: the n-th restart in a row waits
 * `baseDelayMs` x 2^(n-1), at most `maxDelayMs`; after `attempts` failures in a row it parks.
 */
export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  attempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000, attempts: 10 };

/**
 * Which runner of a projection follows the log when several instances run it: the holder of
 * its lease, kept on the checkpoint row. The holder renews it every `renewMs`; it lapses `ttlMs`
 * after the last renewal, by the database's clock (the instances' clocks need not agree). The
 * others stand by, mirroring the stored checkpoint, and one takes the lease once it lapses: a
 * leader that dies is replaced within `ttlMs` + `renewMs`, from the checkpoint it last
 * committed. A lease that lapses under a leader that is only slow does no harm: every batch
 * checks the checkpoint under the row's lock, so a batch is refused, never applied twice.
 */
export interface LeasePolicy {
  ttlMs: number;
  renewMs: number;
}

export const DEFAULT_LEASE: LeasePolicy = { ttlMs: 5_000, renewMs: 1_000 };

export interface FollowerOptions {
  /** Told of every failure (a batch, the lease); the runner itself backs off and retries. */
  onError?: (error: unknown) => void;
  retry?: RetryPolicy;
  lease?: LeasePolicy;
  /** Names this runner in the lease; unique per process by default. */
  holder?: string;
}

/** A runner that stopped before an event it cannot apply (a poison event), until it is resumed. */
export interface Parked {
  eventId: string;
  eventType: string;
  streamId: string;
  error: string;
  attempts: number;
  since: Date;
}

export interface FollowerStatus {
  name: string;
  /** `leader` follows the log; a `standby` (another instance leads) mirrors the leader's checkpoint. */
  role: 'leader' | 'standby';
  position: Checkpoint;
  /** Failures in a row since the last batch that went through. */
  failures: number;
  lastError?: string;
  parked?: Parked;
}

/** How far a runner is behind the log: events it has not passed (counted up to LAG_COUNT_LIMIT), and seconds. */
export interface Lag {
  events: number;
  seconds: number;
}

/** A lag probe reads the waiting events: bounded, so a runner far behind costs one page, not the log. */
export const LAG_COUNT_LIMIT = 5_000;

/**
 * Follows the log for one projection (SQL tables) or one reaction (appends of its own): catches
 * up from its stored checkpoint, then keeps up as the log grows. Operators know both as "projections"
 * (`turnaround projections`, /metrics); the class is named for what it does to either.
 * Rows and checkpoint are written in one transaction, so a crash at any point leaves either the
 * whole batch applied and counted, or none of it. Of the runners of one projection across
 * instances, only the holder of its lease follows the log (LeasePolicy).
 *
 * A batch that fails is tried again from the checkpoint, backing off (RetryPolicy). After the
 * last attempt the runner applies that batch one event at a time, so it stops right before the
 * event that fails (the poison event), and parks there until `resume()`. An outage is not a
 * poison event: while the database or the event store does not answer it never parks.
 */
export class LogFollower {
  private subscription?: Subscription;
  private position: Checkpoint = START;
  private stopped = false;
  private readonly waiters = new Set<{ position: Checkpoint; resolve: (reached: boolean) => void }>();
  private readonly listeners = new Set<(reached: Checkpoint) => void>();
  private failures = 0;
  private lastError?: string;
  private parked?: Parked;
  private restart?: NodeJS.Timeout;
  /** The batch being applied: when it fails, the one the runner is stuck on. */
  private applying?: StoredEvent[];
  /** When a lag probe last found nothing waiting: nothing the runner has not applied is older. */
  private caughtUpAt?: number;
  private leading = false;
  private contending?: Promise<void>;
  private tick?: NodeJS.Timeout;
  private readonly onError: (error: unknown) => void;
  private readonly retry: RetryPolicy;
  private readonly lease: LeasePolicy;
  private readonly holder: string;

  constructor(
    private readonly store: EventStore,
    private readonly sql: SqlClient,
    private readonly projection: Projection | Reaction,
    options: FollowerOptions = {},
  ) {
    this.onError = options.onError ?? (() => undefined);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.lease = options.lease ?? DEFAULT_LEASE;
    this.holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  get name(): string {
    return this.projection.name;
  }

  /** Takes the lease and follows the log, or stands by while another instance holds it. */
  async start(): Promise<void> {
    await this.prepare();
    this.stopped = false;
    await this.contend();
  }

  status(): FollowerStatus {
    return {
      name: this.projection.name,
      role: this.leading ? 'leader' : 'standby',
      position: this.position,
      failures: this.failures,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      ...(this.parked ? { parked: { ...this.parked } } : {}),
    };
  }

  /**
   * Events of the log the runner has not passed, and how long the oldest of them has been
   * known: its knowledge time, but no earlier than the last probe that found the runner caught
   * up (every event waiting since was appended after that probe).
   */
  async lag(): Promise<Lag> {
    const waiting = await this.store.readAll({ after: this.position, limit: LAG_COUNT_LIMIT });
    const now = Date.now();
    if (waiting.length === 0) {
      this.caughtUpAt = now;
      return { events: 0, seconds: 0 };
    }
    const since = Math.max(Date.parse(waiting[0].metadata.recordedAt), this.caughtUpAt ?? -Infinity);
    return { events: waiting.length, seconds: Math.max(0, (now - since) / 1000) };
  }

  /** Follows the log again from the parked event; false when the runner was not parked. */
  resume(): boolean {
    if (!this.parked || this.stopped || !this.leading) return false;
    this.parked = undefined;
    this.failures = 0;
    this.follow().catch((error) => this.failed(error));
    return true;
  }

  /** Creates or updates the tables (done by `start` and `catchUp` too). */
  async prepare(): Promise<void> {
    await migrate(this.sql, 'projections', CHECKPOINT_MIGRATIONS);
    if ('migrations' in this.projection) await migrate(this.sql, `projection:${this.projection.name}`, this.projection.migrations);
    // The row exists before the first batch, so it can be locked by that batch too.
    await this.sql.query(`INSERT INTO projection_checkpoints (projection, checkpoint) VALUES ($1, '') ON CONFLICT (projection) DO NOTHING`, [
      this.projection.name,
    ]);
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
    clearTimeout(this.restart);
    clearTimeout(this.tick);
    await this.contending;
    await this.subscription?.stop();
    // Handing the lease back lets a standby take over at once rather than when it lapses.
    if (this.leading) {
      this.leading = false;
      await this.sql
        .query('UPDATE projection_checkpoints SET leader = NULL, lease_until = NULL WHERE projection = $1 AND leader = $2', [this.projection.name, this.holder])
        .catch((error) => this.onError(error));
    }
  }

  /**
   * One round of the lease: the leader renews it; a standby takes it when it has lapsed, and
   * otherwise mirrors the stored checkpoint (so `waitFor` and `lag` answer for the instance
   * that applies). A leader that finds the lease taken stops following. Rounds go on, every
   * `renewMs` for a leader and four times as often for a standby, until `stop`.
   */
  private contend(): Promise<void> {
    this.contending = this.contendOnce()
      .catch((error) => this.onError(error))
      .finally(() => {
        if (!this.stopped) this.tick = setTimeout(() => void this.contend(), this.leading ? this.lease.renewMs : this.lease.renewMs / 4);
      });
    return this.contending;
  }

  private async contendOnce(): Promise<void> {
    const held = await this.sql.query(
      `UPDATE projection_checkpoints SET leader = $2, lease_until = now() + $3::int * interval '1 millisecond'
       WHERE projection = $1 AND (leader IS NULL OR leader = $2 OR lease_until < now())
       RETURNING 1`,
      [this.projection.name, this.holder, this.lease.ttlMs],
    );
    if (this.stopped) return;
    if (held.length > 0) {
      if (this.leading) return;
      await this.follow();
      this.leading = true;
      return;
    }
    if (this.leading) {
      this.leading = false;
      clearTimeout(this.restart);
      await this.subscription?.stop();
      this.subscription = undefined;
    }
    const stored = await this.storedCheckpoint();
    if (stored > this.position) {
      this.position = stored;
      for (const listener of this.listeners) listener(stored);
      this.resolveWaiters();
    }
  }

  /**
   * Applies everything after the stored checkpoint, batch by batch, and returns once the log is
   * exhausted; `onBatch` is told how many events each batch applied (a rebuild's progress).
   */
  async catchUp(batchSize = 500, onBatch?: (events: number) => void): Promise<void> {
    await this.prepare();
    this.position = await this.storedCheckpoint();
    const eventTypes = this.projection.eventTypes;
    let page = this.store.readPage({ after: this.position, limit: batchSize, eventTypes });
    for (;;) {
      const { events, reached } = await page;
      if (reached === undefined) return;
      // The next page is read while this one is applied: the log read and the projection's
      // writes overlap. Its failure, if this batch fails first, is the batch's to report.
      page = this.store.readPage({ after: reached, limit: batchSize, eventTypes });
      page.catch(() => undefined);
      await this.applyBatch(events, reached);
      onBatch?.(events.length);
    }
  }

  private async follow(): Promise<void> {
    this.position = await this.storedCheckpoint();
    // Another instance may have applied what this one waits for.
    this.resolveWaiters();
    const subscription = this.store.subscribe({ after: this.position, eventTypes: this.projection.eventTypes }, (events, reached) =>
      this.applyBatch(events, reached),
    );
    this.subscription = subscription;
    subscription.done.catch((error) => this.failed(error));
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    // Another instance applied this stretch: nothing failed, follow on from where it got to.
    if (error instanceof CheckpointMovedError) return this.restartAfter(0);
    this.failures += 1;
    this.lastError = messageOf(error);
    this.onError(error);
    if (this.failures >= this.retry.attempts) {
      this.park(error).catch((parkError) => this.failed(parkError));
      return;
    }
    this.restartAfter(Math.min(this.retry.baseDelayMs * 2 ** (this.failures - 1), this.retry.maxDelayMs));
  }

  /** Starts over from the last committed checkpoint: a failed batch was rolled back whole. */
  private restartAfter(delayMs: number): void {
    clearTimeout(this.restart);
    this.restart = setTimeout(() => !this.stopped && this.leading && this.follow().catch((error) => this.failed(error)), delayMs);
  }

  /**
   * Finds the event that fails by applying the stuck batch one event at a time (those before it
   * are applied and committed), and parks right before it. Keeps backing off instead when the
   * stores do not answer, or when no batch is to blame (the log could not be read).
   */
  private async park(error: unknown): Promise<void> {
    const batch = this.applying;
    const outage = await Promise.all([this.sql.query('SELECT 1'), this.store.ping()]).then(
      () => false,
      () => true,
    );
    if (outage || !batch || batch.length === 0) return this.restartAfter(this.retry.maxDelayMs);
    const attempts = this.failures;
    let poison: { event: StoredEvent; error: unknown } | undefined;
    for (const event of batch) {
      try {
        await this.applyBatch([event], event.position);
      } catch (eventError) {
        poison = { event, error: eventError };
        break;
      }
    }
    // Every event went through alone: what failed was the batch as a whole, and it is behind us.
    if (!poison) return this.restartAfter(0);
    const { event } = poison;
    this.failures = attempts;
    this.lastError = messageOf(poison.error ?? error);
    this.parked = { eventId: event.eventId, eventType: event.type, streamId: event.streamId, error: this.lastError, attempts, since: new Date() };
    this.onError(new Error(`parked before event ${event.eventId} (${event.type} on ${event.streamId}) after ${attempts} attempts: ${this.lastError}`));
  }

  /**
   * Applies `events` (none when the page held only types it does not read) and moves the
   * checkpoint from where this runner stands to `last`. The checkpoint row is the lock between
   * runners: when another runner (a second instance, a rebuild swapped in) has moved it, nothing
   * is applied nor saved, and the runner follows on from the stored checkpoint instead.
   */
  private async applyBatch(events: StoredEvent[], last: Checkpoint): Promise<void> {
    const projection = this.projection;
    const from = this.position;
    const save = async (executor: SqlExecutor) => {
      const moved = await executor.query(
        `UPDATE projection_checkpoints SET checkpoint = $3, updated_at = now() WHERE projection = $1 AND checkpoint = $2 RETURNING 1`,
        [projection.name, from, last],
      );
      if (moved.length === 0) throw new CheckpointMovedError(projection.name, from, await this.storedCheckpoint());
    };
    this.applying = events;
    if (events.length === 0) {
      await save(this.sql);
    } else if ('apply' in projection) {
      await this.sql.transaction(async (tx) => {
        // Locked first, so that a batch another runner has already applied is not applied again.
        const [stored] = await tx.query<{ checkpoint: string }>('SELECT checkpoint FROM projection_checkpoints WHERE projection = $1 FOR UPDATE', [
          projection.name,
        ]);
        if (stored?.checkpoint !== from) throw new CheckpointMovedError(projection.name, from, (stored?.checkpoint ?? START) as Checkpoint);
        await projection.apply(tx, events);
        await save(tx);
      });
    } else {
      await projection.react(events);
      await save(this.sql);
    }
    this.applying = undefined;
    this.failures = 0;
    this.lastError = undefined;
    this.position = last;
    for (const listener of this.listeners) listener(last);
    this.resolveWaiters();
  }

  private resolveWaiters(): void {
    for (const waiter of this.waiters) {
      if (waiter.position <= this.position) {
        this.waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }
}

/** Another runner of the same projection (a second instance) moved its checkpoint first. */
export class CheckpointMovedError extends Error {
  constructor(
    readonly projection: string,
    readonly expected: Checkpoint,
    readonly stored: Checkpoint,
  ) {
    super(`projection '${projection}' was expected at checkpoint '${expected}' but another runner moved it to '${stored}'`);
    this.name = 'CheckpointMovedError';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
