import { EventStore, WrongExpectedRevisionError } from '@turnaround/event-store';
import { migrate, SqlClient } from '@turnaround/postgres';
import { alertStreamsOf, planAlertAppends } from './alert-appends';
import { changeIdOf, ScorecardChange, splitChangeId } from './scorecard-change';

/** Changes read per round: bounded memory, and the cursor moves after each round. */
const PAGE = 200;
/** Without a wake-up (another instance judged the change), the service looks again this often. */
const POLL_MS = 500;

/**
 * The alerting service (docs/alerts.md): turns the scorecard status changes that the read
 * side records, in log order, into alert events on `alert-{alertId}` streams, each with the
 * knowledge time of the facts that caused it. What to append is planned by `planAlertAppends`
 * (the domain's `decideAlerts` for each change); this class reads, appends and keeps the cursor.
 *
 * Exactly once, under replay, redelivery, a crash and two instances: an alert's id is derived
 * from its line and checkpoint; each appended event names the change it came from (its
 * correlation id, `position#ordinal`, which sorts in log order), and a change an alert's stream
 * has already answered is not decided again for that alert; appends carry the stream's expected
 * revision, so of two instances deciding one change, one appends and the other re-reads.
 */
export class Alerting {
  private stopped = true;
  private running?: Promise<void>;
  private wakeUp?: () => void;

  private constructor(
    private readonly store: EventStore,
    private readonly sql: SqlClient,
    private readonly onError: (error: unknown) => void,
  ) {}

  static async create(store: EventStore, sql: SqlClient, onError: (error: unknown) => void = () => undefined): Promise<Alerting> {
    await migrate(sql, 'alerting', [
      { id: '0001-alerting-cursor', sql: `CREATE TABLE alerting_cursor (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), change_id text NOT NULL)` },
    ]);
    return new Alerting(store, sql, onError);
  }

  start(): void {
    this.stopped = false;
    this.running = this.loop();
  }

  /** New changes may be there: look now rather than at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const woken = new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        setTimeout(resolve, POLL_MS).unref();
      });
      await this.drain().catch(this.onError);
      await woken;
    }
  }

  /** Turns every change not yet answered into alert events; returns once none is left. */
  async drain(): Promise<void> {
    for (;;) {
      const [cursor] = await this.sql.query<{ change_id: string }>('SELECT change_id FROM alerting_cursor');
      const [position, ordinal] = cursor ? splitChangeId(cursor.change_id) : ['', -1];
      // Only changes into or out of an alert's status can call for an alert event.
      const changes = await this.sql.query<ScorecardChange>(
        `SELECT * FROM scorecard_changes
         WHERE (position, ordinal) > ($1, $2) AND (status IN ('at_risk', 'missed', 'withdrawn') OR from_status IN ('at_risk', 'missed'))
         ORDER BY position, ordinal LIMIT ${PAGE}`,
        [position, ordinal],
      );
      if (changes.length === 0) return;
      try {
        const streams = await this.store.readStreams(alertStreamsOf(changes));
        // One change's events at a time, in log order: the plan of each assumes those before it are in.
        for (const appends of planAlertAppends(changes, streams)) await this.store.appendMany(appends);
      } catch (error) {
        // Another instance answered first: read its events and go on from the same cursor.
        if (error instanceof WrongExpectedRevisionError) continue;
        throw error;
      }
      const last = changes[changes.length - 1];
      await this.sql.query(
        `INSERT INTO alerting_cursor (change_id) VALUES ($1) ON CONFLICT (only_row) DO UPDATE SET change_id = EXCLUDED.change_id
         WHERE alerting_cursor.change_id < EXCLUDED.change_id`,
        [changeIdOf(last)],
      );
    }
  }
}
