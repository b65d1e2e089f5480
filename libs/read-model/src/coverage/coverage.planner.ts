import { FeedKind, FeedRecord, periodEndOf } from '@turnaround/domain';
import { CoverageRowChange } from './coverage.tables';

/** A school feed whose records changed at one knowledge time, with its coverage as stored before. */
export interface CoverageState {
  schoolId: string;
  feed: FeedKind;
  /** A record of it was retracted or restated: its last period may have gone back, so it is found again from `current`. */
  wentBack: boolean;
  /** That row's last period (YYYY-MM-DD); null without one. */
  before: string | null;
  /** Every current (not retracted) record of the school's feed, of all school years; given only when `wentBack`. */
  current?: readonly FeedRecord[];
}

/**
 * The coverage rows one piece of knowledge changes: each touched school feed's last period
 * (domain's `periodEndOf`). Where a record went back it is the latest over the feed's current
 * records; otherwise records were only added, and it is the later of the stored one and
 * theirs. A changed value is written at `knownAt`, now and in the history; one that stays
 * writes nothing. The rows of `feed_coverage` come first, then the history's, so the writer
 * sends each table's rows in one statement.
 */
export function planCoverage(states: readonly CoverageState[], added: readonly { feed: FeedKind; record: FeedRecord }[], knownAt: string): CoverageRowChange[] {
  const reachedByAdded = new Map<string, string | null>();
  for (const { feed, record } of added) {
    const key = `${record.schoolId}|${feed}`;
    reachedByAdded.set(key, later(reachedByAdded.get(key) ?? null, periodEndOf(feed, record)));
  }
  const current: CoverageRowChange[] = [];
  const history: CoverageRowChange[] = [];
  for (const { schoolId, feed, wentBack, before, current: records = [] } of states) {
    const last = wentBack
      ? records.reduce<string | null>((reached, record) => later(reached, periodEndOf(feed, record)), null)
      : later(before, reachedByAdded.get(`${schoolId}|${feed}`) ?? null);
    if (last === before) continue;
    current.push({ table: 'feed_coverage', op: 'upsert', key: { schoolId, feed }, values: { lastPeriodEnd: last, knownAt } });
    history.push({ table: 'feed_coverage_history', op: 'upsert', key: { schoolId, feed, knownAt }, values: { lastPeriodEnd: last } });
  }
  return [...current, ...history];
}

/** The later of two YYYY-MM-DD dates (which compare as text), a missing one passed over. */
const later = (one: string | null, other: string | null): string | null => (one === null || (other !== null && other > one) ? other : one);
