import { FieldIssue, NotFoundError } from '../errors';
import { AttendanceReported, FeedEvent, FeedKind, RecordRetracted } from '../events/feed-events';
import { attendancePeriodIssue, attendancePeriodsInForce } from './attendance-periods';
import { canonicalJson, FEED_EVENTS, FeedRecord, FeedRecordEvent, naturalKeyOf } from './feed-record';

/** What became of one pushed record. */
export type FeedOutcome = 'accepted' | 'duplicate' | 'restated' | 'rejected';

export interface FeedDecision {
  outcome: FeedOutcome;
  /** Absent for a duplicate or a rejection: nothing is appended. */
  event?: FeedRecordEvent;
  /** Why a record was rejected against what the stream holds (the row is the caller's to add). */
  issues?: FieldIssue[];
}

interface LedgerEntry {
  record: FeedRecord;
  /** Its canonical JSON, worked out the first time the key comes again (most keys never do). */
  payload?: string;
  retracted: boolean;
}

/**
 * What one feed stream (one feed, school and school year) has recorded, by natural key. It
 * decides the rules of DESIGN.md section 4: the same key with the same payload is a duplicate
 * and appends nothing; a different payload is a restatement; a retraction withdraws a record,
 * and pushing the key again afterwards reinstates it (counted as restated). An attendance
 * period that partly overlaps a period in force is rejected (DESIGN.md section 5).
 *
 * Folded in place from the stream's events: it lives for one load-decide-append cycle.
 */
export class FeedLedger {
  private readonly entries = new Map<string, LedgerEntry>();

  constructor(readonly kind: FeedKind) {}

  apply(event: FeedEvent): void {
    if (event.type === 'RecordRetracted') {
      const entry = this.entries.get(event.data.naturalKey);
      if (entry) entry.retracted = true;
      return;
    }
    const record = event.data as FeedRecord;
    this.entries.set(naturalKeyOf(this.kind, record), { record, retracted: false });
  }

  /** Decides one valid record; the caller applies the event once it decides to append it. */
  decide(record: FeedRecord): FeedDecision {
    const key = naturalKeyOf(this.kind, record);
    const entry = this.entries.get(key);
    if (entry && !entry.retracted) {
      entry.payload ??= canonicalJson(entry.record);
      if (entry.payload === canonicalJson(record)) return { outcome: 'duplicate' };
    }
    if (this.kind === 'attendance') {
      const issue = attendancePeriodIssue(record as Attendance, this.attendanceInForce(key));
      if (issue) return { outcome: 'rejected', issues: [issue] };
    }
    const event = { type: FEED_EVENTS[this.kind].type, data: record } as FeedRecordEvent;
    return { outcome: entry ? 'restated' : 'accepted', event };
  }

  /** The periods in force but the one of `key` (a record of that key restates it). */
  private attendanceInForce(key: string): Attendance[] {
    const current = [...this.entries].filter(([other, entry]) => other !== key && !entry.retracted).map(([, entry]) => entry.record as Attendance);
    return attendancePeriodsInForce(current);
  }

  /** Withdraws a recorded key; a key already withdrawn needs no second event. */
  decideRetraction(naturalKey: string, reason: string): RecordRetracted[] {
    const entry = this.entries.get(naturalKey);
    if (!entry) throw new NotFoundError(`${this.kind} record`, naturalKey);
    if (entry.retracted) return [];
    return [{ type: 'RecordRetracted', data: { feed: this.kind, naturalKey, reason } }];
  }
}

type Attendance = AttendanceReported['data'];
