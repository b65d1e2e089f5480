import { FieldIssue, IllegalStateError, NotFoundError } from '../errors';
import { AttendanceReported, FeedEvent, FeedKind, RecordRetracted } from '../events/feed-events';
import { attendancePeriodIssue, attendancePeriodsInForce } from './attendance-periods';
import { canonicalJson, FEED_EVENTS, FeedRecord, FeedRecordEvent, naturalKeyOf, normaliseNaturalKey } from './feed-record';

/**
 * What became of one pushed record. `reinstated`: its key was retracted, and the push brings a
 * record of it back (whatever its values): told apart from `restated` so a data team sees what
 * a re-pushed old file undid.
 */
export type FeedOutcome = 'accepted' | 'duplicate' | 'restated' | 'reinstated' | 'rejected';

export interface FeedDecision {
  outcome: FeedOutcome;
  /** Absent for a duplicate or a rejection: nothing is appended. */
  event?: FeedRecordEvent;
  /** Why a record was rejected against what the stream holds (the row is the caller's to add). */
  issues?: FieldIssue[];
}

interface LedgerEntry {
  readonly record: FeedRecord;
  /**
   * Its canonical JSON, worked out the first time the key comes again (most keys never do). A
   * memo of `record`, so filling it in changes no ledger that shares the entry.
   */
  payload?: string;
  readonly retracted: boolean;
}

/**
 * What one feed stream (one feed, school and school year) has recorded, by natural key. Its
 * rules are those of docs/feeds.md: the same key with the same payload is a duplicate and
 * appends nothing; a different payload is a restatement; a retraction withdraws a record, and
 * pushing the key again afterwards reinstates it (counted as reinstated). An attendance period
 * that partly overlaps a period in force is rejected (docs/metrics.md).
 *
 * A value: `evolveLedger` returns a new ledger and `decideRecords` reads one without changing
 * it, so a writer can keep a stream's ledger between writes and replace it once its events are
 * stored.
 */
export interface FeedLedger {
  readonly kind: FeedKind;
  readonly entries: ReadonlyMap<string, LedgerEntry>;
}

export function emptyLedger(kind: FeedKind): FeedLedger {
  return { kind, entries: new Map() };
}

/**
 * The ledger once `events` are stored, in order; the ledger given is left as it was. It takes a
 * stream's (or a write's) events together, so the entries are copied once rather than per event.
 */
export function evolveLedger(ledger: FeedLedger, events: readonly FeedEvent[]): FeedLedger {
  if (events.length === 0) return ledger;
  const entries = new Map(ledger.entries);
  for (const event of events) enter(ledger.kind, entries, event);
  return { kind: ledger.kind, entries };
}

function enter(kind: FeedKind, entries: Map<string, LedgerEntry>, event: FeedEvent): void {
  if (event.type === 'RecordRetracted') {
    const entry = entries.get(event.data.naturalKey);
    // a new entry, not the old one changed: older ledgers share it
    if (entry) entries.set(event.data.naturalKey, { ...entry, retracted: true });
    return;
  }
  const record = event.data as FeedRecord;
  entries.set(naturalKeyOf(kind, record), { record, retracted: false });
}

/**
 * Decides one stream's valid records in order, each against the ledger and the records decided
 * before it in the same call (a key pushed twice in one file is a duplicate or a restatement of
 * the first). The decisions' events, once appended, are what `evolveLedger` takes.
 */
export function decideRecords(ledger: FeedLedger, records: readonly FeedRecord[]): FeedDecision[] {
  const { kind, entries } = ledger;
  // The records decided here that append, by key: what the ledger will hold once they are stored.
  const decided = new Map<string, FeedRecord>();
  return records.map((record): FeedDecision => {
    const key = naturalKeyOf(kind, record);
    const earlier = decided.size > 0 ? decided.get(key) : undefined;
    const entry = entries.get(key);
    const current = earlier !== undefined ? canonicalJson(earlier) : entry && !entry.retracted ? (entry.payload ??= canonicalJson(entry.record)) : undefined;
    if (current !== undefined && current === canonicalJson(record)) return { outcome: 'duplicate' };
    if (kind === 'attendance') {
      const issue = attendancePeriodIssue(record as Attendance, attendanceInForce(entries, decided, key));
      if (issue) return { outcome: 'rejected', issues: [issue] };
    }
    decided.set(key, record);
    const event = { type: FEED_EVENTS[kind].type, data: record } as FeedRecordEvent;
    const outcome = earlier !== undefined ? 'restated' : entry?.retracted ? 'reinstated' : entry ? 'restated' : 'accepted';
    return { outcome, event };
  });
}

/**
 * The periods in force but the one of `key` (a record of that key restates it), over the ledger
 * with the `decided` records entered, in the order `evolveLedger` would leave them.
 */
function attendanceInForce(entries: ReadonlyMap<string, LedgerEntry>, decided: ReadonlyMap<string, FeedRecord>, key: string): Attendance[] {
  const current: Attendance[] = [];
  for (const [other, entry] of entries) {
    if (other === key) continue;
    const restated = decided.get(other);
    if (restated) current.push(restated as Attendance);
    else if (!entry.retracted) current.push(entry.record as Attendance);
  }
  for (const [other, record] of decided) if (other !== key && !entries.has(other)) current.push(record as Attendance);
  return attendancePeriodsInForce(current);
}

/** A retraction decided: the key as the ledger holds it, and the event to append (none when it is withdrawn already). */
export type RetractionDecision =
  | { naturalKey: string; events: [RecordRetracted]; alreadyRetracted: false }
  | { naturalKey: string; events: []; alreadyRetracted: true };

/**
 * Withdraws a recorded key; a key already withdrawn needs no second event (the caller says when
 * and by whom it was). The key is first normalised as ingest normalises its parts
 * (`normaliseNaturalKey`: `MCAS` names the stored `mcas`). A key still unknown is then matched
 * whatever its case within the stream (the school id, which names the stream, matches as
 * written): one match is the record meant; several are a conflict that lists them.
 */
export function decideRetraction(ledger: FeedLedger, naturalKey: string, reason: string): RetractionDecision {
  const key = recordedKey(ledger, normaliseNaturalKey(ledger.kind, naturalKey));
  const entry = ledger.entries.get(key);
  if (!entry) throw new NotFoundError(`${ledger.kind} record`, naturalKey);
  if (entry.retracted) return { naturalKey: key, events: [], alreadyRetracted: true };
  return { naturalKey: key, events: [{ type: 'RecordRetracted', data: { feed: ledger.kind, naturalKey: key, reason } }], alreadyRetracted: false };
}

/** The ledger's key for `key`: itself when recorded, else the one key equal to it but for case. */
function recordedKey(ledger: FeedLedger, key: string): string {
  if (ledger.entries.has(key)) return key;
  const lower = key.toLowerCase();
  const matches = [...ledger.entries.keys()].filter((recorded) => recorded.toLowerCase() === lower);
  if (matches.length > 1)
    throw new IllegalStateError(
      `${ledger.kind} records ${matches.map((match) => `'${match}'`).join(', ')} differ from '${key}' only by case: name the one to withdraw exactly`,
    );
  return matches[0] ?? key;
}

type Attendance = AttendanceReported['data'];
