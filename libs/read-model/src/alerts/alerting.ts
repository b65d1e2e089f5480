import { Alert, alertAggregate, alertIdOf, AlertStage, decideAlerts, foldStream, LineChange, TargetStatus, toAppend, WithdrawalReason } from '@turnaround/domain';
import { EventStore, StoredEvent, StreamAppend, WrongExpectedRevisionError } from '@turnaround/event-store';
import { migrate, SqlClient } from '@turnaround/postgres';

/** Changes read per round: bounded memory, and the cursor moves after each round. */
const PAGE = 200;
/** Without a wake-up (another instance judged the change), the service looks again this often. */
const POLL_MS = 500;

const SOURCE = { channel: 'system', feed: 'alerting' } as const;

interface ChangeRow {
  position: string;
  ordinal: number;
  known_at: Date | string;
  contract_id: string;
  partner_id: string;
  district_ids: string[];
  scope: 'school' | 'cluster';
  subject_id: string;
  metric: string;
  contract_year: number;
  school_year: string;
  threshold: number | null;
  actual: number | null;
  status: TargetStatus | 'withdrawn';
  withdrawal: WithdrawalReason | null;
  missed_year_before: boolean;
}

/**
 * The alerting service (docs/alerts.md): turns the scorecard status changes that the read
 * side records, in log order, into alert events on `alert-{alertId}` streams, each with the
 * knowledge time of the facts that caused it. The alert rules are the domain's `decideAlerts`.
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
      const changes = await this.sql.query<ChangeRow>(
        `SELECT * FROM scorecard_changes
         WHERE (position, ordinal) > ($1, $2) AND (status IN ('at_risk', 'missed', 'withdrawn') OR from_status IN ('at_risk', 'missed'))
         ORDER BY position, ordinal LIMIT ${PAGE}`,
        [position, ordinal],
      );
      if (changes.length === 0) return;
      try {
        await this.answer(changes);
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

  private async answer(changes: readonly ChangeRow[]): Promise<void> {
    const lineOf = (change: ChangeRow) => ({ scope: change.scope, subjectId: change.subject_id, metric: change.metric, contractYear: change.contract_year });
    const ids = changes.flatMap((change) => (['early_warning', 'year_end'] as const).map((checkpoint) => alertIdOf(change.contract_id, lineOf(change), checkpoint)));
    const streams = await this.store.readStreams([...new Set(ids)].map(alertAggregate.streamId));
    for (const change of changes) {
      const changeId = changeIdOf(change);
      const alerts = {} as Record<AlertStage, Alert>;
      const answered = new Set<string>();
      for (const checkpoint of ['early_warning', 'year_end'] as const) {
        const alertId = alertIdOf(change.contract_id, lineOf(change), checkpoint);
        const stream = streams.get(alertAggregate.streamId(alertId)) ?? [];
        alerts[checkpoint] = foldStream(alertAggregate, stream);
        if (stream.some((event) => event.metadata.source.feed === SOURCE.feed && CHANGE_ID.test(event.metadata.correlationId) && event.metadata.correlationId >= changeId))
          answered.add(alertId);
      }
      const lineChange: LineChange = {
        contractId: change.contract_id,
        partnerId: change.partner_id,
        districtIds: change.district_ids,
        line: { ...lineOf(change), schoolYear: change.school_year, threshold: change.threshold, actual: change.actual },
        status: change.status,
        ...(change.withdrawal ? { withdrawal: change.withdrawal } : {}),
        missedTheYearBefore: change.missed_year_before,
      };
      const decided = decideAlerts(lineChange, alerts).filter((event) => !answered.has(event.data.alertId));
      if (decided.length === 0) continue;
      // Derived facts: known when the facts that caused them were, which the log already holds.
      const metadata = { recordedAt: new Date(change.known_at).toISOString(), source: SOURCE, correlationId: changeId, actor: 'alerting-service' };
      const appends: StreamAppend[] = decided.map((event) => {
        const streamId = alertAggregate.streamId(event.data.alertId);
        const stream = streams.get(streamId) ?? [];
        return {
          streamId,
          expectedRevision: stream.length === 0 ? 'no_stream' : stream[stream.length - 1].revision,
          events: [toAppend(event, metadata)],
        };
      });
      const results = await this.store.appendMany(appends);
      // The next change of the page folds what this one appended.
      appends.forEach((append, index) => {
        const stream = streams.get(append.streamId) ?? [];
        const [event] = append.events;
        const stored: StoredEvent = { ...event, metadata, eventId: '', streamId: append.streamId, revision: results[index].nextExpectedRevision, position: results[index].position };
        streams.set(append.streamId, [...stream, stored]);
      });
    }
  }
}

const CHANGE_ID = /#\d{6}$/;

/** `position#ordinal`: sorts in log order, as the changes were recorded. */
function changeIdOf(change: Pick<ChangeRow, 'position' | 'ordinal'>): string {
  return `${change.position}#${String(change.ordinal).padStart(6, '0')}`;
}

function splitChangeId(changeId: string): [string, number] {
  const at = changeId.lastIndexOf('#');
  return [changeId.slice(0, at), Number(changeId.slice(at + 1))];
}
