import { FeedKind, FieldIssue, IndicatorCatalogue, MappedRow, studentLevelIssues, validateFeedRecord, ValidationError } from '@turnaround/domain';
import { CHUNK_ROWS, CheckedRow } from './chunk-pipeline';
import { keptRecord, recordTextIssues } from './input-limits';

/** Checks one record, numbered from 1 in its array. */
export type RecordCheck = (raw: unknown, row: number) => MappedRow;

/** A JSON body as the array of records in the canonical shape (the event's fields) it must be. */
export function recordsOfJsonBody(kind: FeedKind, body: unknown): readonly unknown[] {
  if (!Array.isArray(body)) throw ValidationError.of('(body)', `expected a JSON array of ${kind} records, or text/csv`);
  return body;
}

/** Student-level fields named anywhere in a pushed array: the whole push is refused for them. */
export function studentLevelIssuesOfArray(records: readonly unknown[]): FieldIssue[] {
  const keys = new Set(records.flatMap((record) => (record !== null && typeof record === 'object' ? Object.keys(record) : [])));
  return studentLevelIssues([...keys]);
}

/** Each record against its event schema (an indicator's against its catalogue entry), once its text values are known to be storable. */
export function checkRecord(kind: FeedKind, indicators: IndicatorCatalogue): RecordCheck {
  return (raw, row) => {
    const textIssues = recordTextIssues(raw, row);
    return textIssues.length > 0 ? { kind: 'rejected', issues: textIssues } : validateFeedRecord(kind, raw, row, indicators);
  };
}

/**
 * A record that arrives alone (a Kafka message) is checked alone, a student-level field
 * included, so one bad message never refuses its neighbours.
 */
export function checkRecordAlone(kind: FeedKind, indicators: IndicatorCatalogue): RecordCheck {
  const check = checkRecord(kind, indicators);
  return (raw, row) => {
    const studentLevel = raw !== null && typeof raw === 'object' ? studentLevelIssues(Object.keys(raw)) : [];
    return studentLevel.length > 0 ? { kind: 'rejected', issues: studentLevel.map((issue) => ({ row, ...issue })) } : check(raw, row);
  };
}

/** The records in chunks of CHUNK_ROWS, each chunk checked only when it is reached. */
export function* checkedChunks(records: readonly unknown[], check: RecordCheck): Generator<CheckedRow[]> {
  for (let start = 0; start < records.length; start += CHUNK_ROWS) {
    yield records.slice(start, start + CHUNK_ROWS).map((raw: unknown, index) => {
      const row = start + index + 1;
      const mapped = check(raw, row);
      return { row, raw: mapped.kind === 'rejected' ? keptRecord(raw) : null, mapped };
    });
  }
}
