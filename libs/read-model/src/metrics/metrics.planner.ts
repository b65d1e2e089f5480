import {
  addSchoolYears,
  DecodeOptions,
  FEED_RECORD_EVENTS,
  FeedKind,
  feedOfEventType,
  feedOfMetric,
  FeedRecord,
  IndicatorCatalogue,
  MetricValue,
  naturalKeyOf,
  SchoolYearFacts,
  schoolYearMetrics,
} from '@turnaround/domain';
import { StoredEvent } from '@turnaround/event-store';
import { MetricRowChange } from './metrics.tables';

/** A record to keep as the current one of its natural key, known from `recordedAt`. */
export interface RecordToStore {
  feed: FeedKind;
  key: string;
  record: FeedRecord;
  recordedAt: string;
}

/**
 * What a piece of knowledge does to the stored records, in log order: a run of records to store
 * (each new, or in place of its key's record), or a record to retract. Within a run a key named
 * twice keeps its later record.
 */
export type RecordStep = { readonly store: readonly RecordToStore[] } | { readonly retract: { readonly feed: FeedKind; readonly naturalKey: string } };

/**
 * The record steps of the events the service learned at `knownAt` (events that are not feed
 * records are passed over), read back as `decoding` says (a rebuild trusts what was checked on append).
 */
export function planRecordSteps(events: readonly StoredEvent[], knownAt: string, decoding: DecodeOptions = {}): RecordStep[] {
  const steps: RecordStep[] = [];
  let run = new Map<string, RecordToStore>();
  const endRun = () => {
    if (run.size > 0) steps.push({ store: [...run.values()] });
    run = new Map();
  };
  for (const event of events) {
    const feed = feedOfEventType(event.type);
    if (!feed && event.type !== 'RecordRetracted') continue;
    const decoded = FEED_RECORD_EVENTS.decode(event, decoding);
    if (decoded.type === 'RecordRetracted') {
      endRun();
      steps.push({ retract: { feed: decoded.data.feed, naturalKey: decoded.data.naturalKey } });
      continue;
    }
    const record = decoded.data as FeedRecord;
    const key = naturalKeyOf(feed as FeedKind, record);
    run.set(`${feed}|${key}`, { feed: feed as FeedKind, key, record, recordedAt: knownAt });
  }
  endRun();
  return steps;
}

/** A school year whose metrics of `feed` a changed record may change. */
export interface SchoolYearFeed {
  schoolId: string;
  schoolYear: string;
  feed: FeedKind;
}

/**
 * A record changes its own feed's metrics of its school year. A staffing report also changes
 * next year's retention, which divides by this year's teachers, and makes last year's final.
 */
export function schoolYearsChangedBy(feed: FeedKind, schoolId: string, schoolYear: string): SchoolYearFeed[] {
  const own = { schoolId, schoolYear, feed };
  if (feed !== 'staffing') return [own];
  return [own, { schoolId, schoolYear: addSchoolYears(schoolYear, 1), feed }, { schoolId, schoolYear: addSchoolYears(schoolYear, -1), feed }];
}

type Staffing = SchoolYearFacts['staffing'][number];

/** A school year to recompute, with what the metrics of its changed feeds depend on, as stored after the knowledge's records. */
export interface SchoolYearState {
  schoolId: string;
  schoolYear: string;
  /** The feeds whose records changed: only their metrics are recomputed, the others' stay as stored. */
  feeds: ReadonlySet<FeedKind>;
  /** The current records of each changed feed, in natural-key order (so a value never depends on the order records arrived in). */
  records: Readonly<Partial<Record<FeedKind, readonly FeedRecord[]>>>;
  /** The year before's current staffing reports: retention divides by its teachers. */
  priorYearStaffing: readonly Staffing[];
  /** A staffing report of a later year is stored: this year's last one is then final. */
  laterYearStaffingReported: boolean;
  /** The school year's metrics as stored before this knowledge. */
  stored: ReadonlyMap<string, MetricValue>;
}

/**
 * The metrics rows one piece of knowledge changes: each recomputed school year's metrics of its
 * changed feeds, from their current records (docs/metrics.md), against those stored. A value
 * that changed is written and goes to the history at `knownAt`; a stored metric of a
 * recomputed feed that its records no longer give (or that the metric table no longer knows)
 * is deleted and its removal goes to the history. Unchanged values write nothing.
 */
export function planMetricChanges(schoolYears: readonly SchoolYearState[], knownAt: string, indicators: IndicatorCatalogue): MetricRowChange[] {
  const written: MetricRowChange[] = [];
  const deleted: MetricRowChange[] = [];
  const history: MetricRowChange[] = [];
  for (const { schoolId, schoolYear, feeds, records, priorYearStaffing, laterYearStaffingReported, stored } of schoolYears) {
    // The unchanged feeds stay empty: they give no metrics, and theirs are left as stored.
    const of = (feed: FeedKind) => (feeds.has(feed) ? (records[feed] ?? []) : []) as never[];
    const facts: SchoolYearFacts = {
      schoolYear,
      assessment: of('assessment'),
      attendance: of('attendance'),
      staffing: of('staffing'),
      indicators: of('indicators'),
      priorYearStaffing,
      laterYearStaffingReported,
    };
    const values = new Map(schoolYearMetrics(facts, indicators).map((value) => [value.metric, value]));
    for (const { metric, ...value } of values.values()) {
      if (sameValue(stored.get(metric), value)) continue;
      written.push({ table: 'school_metrics', op: 'upsert', key: { schoolId, schoolYear, metric }, values: { ...value, knownAt } });
      history.push({ table: 'school_metric_history', op: 'upsert', key: { schoolId, schoolYear, metric, knownAt }, values: { ...value, removed: false } });
    }
    for (const metric of stored.keys()) {
      const feed = feedOfMetric(metric);
      if (values.has(metric) || (feed !== undefined && !feeds.has(feed))) continue;
      deleted.push({ table: 'school_metrics', op: 'delete', key: { schoolId, schoolYear, metric } });
      history.push({
        table: 'school_metric_history',
        op: 'upsert',
        key: { schoolId, schoolYear, metric, knownAt },
        values: { numerator: null, denominator: null, suppressed: false, partial: false, final: false, through: '', removed: true },
      });
    }
  }
  return [...written, ...deleted, ...history];
}

function sameValue(stored: MetricValue | undefined, value: Omit<MetricValue, 'metric'>): boolean {
  return (
    stored !== undefined &&
    stored.numerator === value.numerator &&
    stored.denominator === value.denominator &&
    stored.suppressed === value.suppressed &&
    stored.partial === value.partial &&
    stored.final === value.final &&
    stored.through === value.through
  );
}
