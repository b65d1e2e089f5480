import { z } from 'zod';
import { ValidationError } from '../errors';
import { schoolYearOfDate } from '../school-year';
import {
  assessmentCodeSchema,
  assessmentResultsReported,
  AssessmentResultsReported,
  attendanceReported,
  AttendanceReported,
  FEED_KINDS,
  FeedKind,
  indicatorReported,
  IndicatorReported,
  staffingReported,
  StaffingReported,
} from '../events/feed-events';

/** The event type each feed's records become. */
export const FEED_EVENTS = {
  assessment: assessmentResultsReported,
  attendance: attendanceReported,
  staffing: staffingReported,
  indicators: indicatorReported,
} as const;

export type FeedRecordEvent = AssessmentResultsReported | AttendanceReported | StaffingReported | IndicatorReported;
export type FeedRecord = FeedRecordEvent['data'];

/**
 * The natural key of a record (docs/feeds.md), written with `/` between its parts: ids,
 * dates and names never contain `/`, so the key reads back unambiguously. This is the key a
 * data team names in a retraction, e.g. `01M015/2010-11/annual/nys/math/all/all`.
 */
export function naturalKeyOf(kind: FeedKind, record: FeedRecord): string {
  switch (kind) {
    case 'assessment': {
      const r = record as AssessmentResultsReported['data'];
      return [r.schoolId, r.schoolYear, r.window, r.assessment, r.subject, r.grade, r.studentGroup].join('/');
    }
    case 'attendance': {
      const r = record as AttendanceReported['data'];
      return [r.schoolId, r.periodStart, r.periodEnd].join('/');
    }
    case 'staffing': {
      const r = record as StaffingReported['data'];
      return [r.schoolId, r.schoolYear, r.asOf].join('/');
    }
    case 'indicators': {
      const r = record as IndicatorReported['data'];
      return [r.schoolId, r.schoolYear, r.indicator].join('/');
    }
  }
}

const KEY_PARTS: Record<FeedKind, string[]> = {
  assessment: ['schoolId', 'schoolYear', 'window', 'assessment', 'subject', 'grade', 'studentGroup'],
  attendance: ['schoolId', 'periodStart', 'periodEnd'],
  staffing: ['schoolId', 'schoolYear', 'asOf'],
  indicators: ['schoolId', 'schoolYear', 'indicator'],
};

/**
 * One stream per feed, school and school year, e.g. `assessment-2010-11-01M015`: small enough
 * to load before every write, so duplicates and restatements are decided against the stream
 * itself under optimistic concurrency, on any event store.
 */
export function feedStreamId(kind: FeedKind, schoolId: string, schoolYear: string): string {
  return `${kind}-${schoolYear}-${schoolId}`;
}

export function feedStreamOfRecord(kind: FeedKind, record: FeedRecord): string {
  return feedStreamId(kind, record.schoolId, record.schoolYear);
}

/**
 * The key parts ingest normalises, each by the function its field's schema applies: an
 * assessment code is taken in any case and stored in lower case (`assessmentCodeSchema`), so a
 * key naming `MCAS` names the stored `mcas`. A part its schema refuses is left as written (no
 * record can have it).
 */
const KEY_PART_NORMALISERS: Record<FeedKind, Partial<Record<string, (part: string) => string>>> = {
  assessment: { assessment: (part) => assessmentCodeSchema.safeParse(part).data ?? part },
  attendance: {},
  staffing: {},
  indicators: {},
};

/**
 * A natural key as ingest would have written it for the same record: its parts normalised as
 * ingest normalises those fields (docs/feeds.md). A key of the wrong shape is a validation error
 * that shows the expected shape.
 */
export function normaliseNaturalKey(kind: FeedKind, naturalKey: string): string {
  const parts = naturalKey.split('/');
  const expected = KEY_PARTS[kind];
  const valid = parts.length === expected.length && parts.every((part) => part.length > 0) && (kind !== 'attendance' || /^\d{4}-\d{2}-\d{2}$/.test(parts[1]));
  if (!valid) throw ValidationError.of('naturalKey', `expected a ${kind} key written ${expected.join('/')}, got '${naturalKey}'`);
  return parts.map((part, index) => KEY_PART_NORMALISERS[kind][expected[index]]?.(part) ?? part).join('/');
}

/** The stream a natural key lives in; a key of the wrong shape is a validation error that shows the expected shape. */
export function feedStreamOfNaturalKey(kind: FeedKind, naturalKey: string): string {
  const parts = normaliseNaturalKey(kind, naturalKey).split('/');
  return feedStreamId(kind, parts[0], kind === 'attendance' ? schoolYearOfDate(parts[1]) : parts[1]);
}

/**
 * JSON with object keys sorted, so that two equal payloads compare equal as text whatever their
 * key order. Written out by hand rather than with a JSON.stringify replacer, which copied every
 * object to sort it: this runs for every pushed record.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((item: unknown) => (item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item))).join(',')}]`;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  const object = value as Record<string, unknown>;
  let out = '';
  for (const key of Object.keys(object).sort()) {
    const inner = object[key];
    if (inner === undefined || typeof inner === 'function') continue;
    out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(inner)}`;
  }
  return `{${out}}`;
}

/** The record schema of a feed, typed loosely enough for code that treats every feed alike. */
export function feedSchema(kind: FeedKind): z.ZodObject {
  return FEED_EVENTS[kind].schema as unknown as z.ZodObject;
}

/** A feed named in a path, topic or command line. */
export function parseFeedKind(text: string): FeedKind {
  if ((FEED_KINDS as readonly string[]).includes(text)) return text as FeedKind;
  throw ValidationError.of('kind', `expected one of ${FEED_KINDS.join(', ')}, got '${text}'`);
}

/** The feed whose records an event type carries; undefined for every other event type. */
export function feedOfEventType(type: string): FeedKind | undefined {
  return (Object.keys(FEED_EVENTS) as FeedKind[]).find((kind) => FEED_EVENTS[kind].type === type);
}
