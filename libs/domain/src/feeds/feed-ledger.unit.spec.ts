import { AssessmentResultsReported, FeedEvent, RecordRetracted } from '../events/feed-events';
import { IllegalStateError, NotFoundError, ValidationError } from '../errors';
import { decideRecords, decideRetraction, emptyLedger, evolveLedger, FeedLedger } from './feed-ledger';
import { canonicalJson, feedStreamOfNaturalKey, feedStreamOfRecord, naturalKeyOf, normaliseNaturalKey } from './feed-record';

const grade3: AssessmentResultsReported['data'] = {
  schoolId: '01M015',
  schoolYear: '2010-11',
  window: 'annual',
  assessment: 'nys',
  subject: 'math',
  grade: '03',
  studentGroup: 'all',
  tested: 40,
  proficient: 12,
  suppressed: false,
};

describe('feed natural keys and streams', () => {
  it('writes the natural key of docs/feeds.md and finds the stream again from it', () => {
    expect(naturalKeyOf('assessment', grade3)).toBe('01M015/2010-11/annual/nys/math/03/all');
    expect(feedStreamOfRecord('assessment', grade3)).toBe('assessment-2010-11-01M015');
    expect(feedStreamOfNaturalKey('assessment', '01M015/2010-11/annual/nys/math/03/all')).toBe('assessment-2010-11-01M015');
    // attendance keys carry no school year: it is the year the period starts in
    expect(feedStreamOfNaturalKey('attendance', 'S1/2025-01-06/2025-01-31')).toBe('attendance-2024-25-S1');
  });

  it('explains the expected shape of a malformed key', () => {
    expect(() => feedStreamOfNaturalKey('staffing', 'S1/2024-25')).toThrow(ValidationError);
    expect(() => feedStreamOfNaturalKey('staffing', 'S1/2024-25')).toThrow(/expected a staffing key written schoolId\/schoolYear\/asOf/);
  });

  it('compares payloads whatever the key order (JSONB reorders keys)', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: null } })).toBe(canonicalJson({ a: { c: null, d: 2 }, b: 1 }));
  });

  it('writes canonical JSON as JSON.stringify writes the same value with its keys sorted', () => {
    expect(
      canonicalJson({ b: [1, undefined, 'x"y'], a: { d: 2.5, c: null, e: undefined }, '10': true, '9': false, when: new Date(Date.UTC(2025, 0, 2)) }),
    ).toBe('{"10":true,"9":false,"a":{"c":null,"d":2.5},"b":[1,null,"x\\"y"],"when":"2025-01-02T00:00:00.000Z"}');
    expect(canonicalJson(grade3)).toBe(JSON.stringify(Object.fromEntries(Object.entries(grade3).sort(([a], [b]) => (a < b ? -1 : 1)))));
  });
});

const grade4: AssessmentResultsReported['data'] = { ...grade3, grade: '04' };

/** Given these stored events: the stream's ledger. */
function given(...events: FeedEvent[]): FeedLedger {
  return evolveLedger(emptyLedger('assessment'), events);
}
const reported = (data: AssessmentResultsReported['data']): AssessmentResultsReported => ({ type: 'AssessmentResultsReported', data });
const retracted = (data: AssessmentResultsReported['data'], reason = 'wrong school code'): RecordRetracted => ({
  type: 'RecordRetracted',
  data: { feed: 'assessment', naturalKey: naturalKeyOf('assessment', data), reason },
});

describe('feed ledger: given stored events, when records are pushed, then these decisions', () => {
  it('accepts a new key and appends its event', () => {
    expect(decideRecords(given(), [grade3])).toEqual([{ outcome: 'accepted', event: reported(grade3) }]);
  });

  it('appends nothing for an unchanged re-send, whatever its key order', () => {
    const reordered = Object.fromEntries(Object.entries(grade3).reverse()) as typeof grade3;
    expect(decideRecords(given(reported(grade3)), [{ ...grade3 }, reordered])).toEqual([{ outcome: 'duplicate' }, { outcome: 'duplicate' }]);
  });

  it('appends a restatement for a corrected value, and then compares duplicates against the corrected one', () => {
    const corrected = { ...grade3, proficient: 14 };
    expect(decideRecords(given(reported(grade3)), [corrected])).toEqual([{ outcome: 'restated', event: reported(corrected) }]);
    expect(decideRecords(given(reported(grade3), reported(corrected)), [corrected, grade3])).toEqual([
      { outcome: 'duplicate' },
      { outcome: 'restated', event: reported(grade3) },
    ]);
  });

  it('treats another grade or group as another record, not a restatement', () => {
    expect(
      decideRecords(given(reported(grade3)), [
        { ...grade3, grade: 'all' },
        { ...grade3, studentGroup: 'economically_disadvantaged' },
      ]).map((decision) => decision.outcome),
    ).toEqual(['accepted', 'accepted']);
  });

  it('decides a key pushed twice in one call against the first: a duplicate, or a restatement of it', () => {
    const corrected = { ...grade3, proficient: 14 };
    expect(decideRecords(given(), [grade3, { ...grade3 }, corrected])).toEqual([
      { outcome: 'accepted', event: reported(grade3) },
      { outcome: 'duplicate' },
      { outcome: 'restated', event: reported(corrected) },
    ]);
  });

  it('once the decided events are stored, the same records are all duplicates', () => {
    const records = [{ ...grade3, proficient: 14 }, grade4];
    const ledger = given(reported(grade3));
    const decisions = decideRecords(ledger, records);
    expect(decisions.map((decision) => decision.outcome)).toEqual(['restated', 'accepted']);
    const events = decisions.flatMap((decision) => (decision.event ? [decision.event] : []));
    expect(decideRecords(evolveLedger(ledger, events), records)).toEqual([{ outcome: 'duplicate' }, { outcome: 'duplicate' }]);
  });

  it('retracts a recorded key once, and reinstates it when pushed again', () => {
    const key = naturalKeyOf('assessment', grade3);
    expect(decideRetraction(given(reported(grade3)), key, 'wrong school code')).toEqual({
      naturalKey: key,
      events: [retracted(grade3)],
      alreadyRetracted: false,
    });
    expect(decideRetraction(given(reported(grade3), retracted(grade3)), key, 'again')).toEqual({ naturalKey: key, events: [], alreadyRetracted: true });
    // the same payload again is no duplicate of a withdrawn record: it reinstates it
    expect(decideRecords(given(reported(grade3), retracted(grade3)), [grade3])).toEqual([{ outcome: 'reinstated', event: reported(grade3) }]);
    expect(decideRecords(given(reported(grade3), retracted(grade3), reported(grade3)), [grade3])).toEqual([{ outcome: 'duplicate' }]);
  });

  it('tells a reinstatement from a restatement: other values of a withdrawn key reinstate it, and the same key again in the push restates that', () => {
    const corrected = { ...grade3, proficient: 14 };
    expect(decideRecords(given(reported(grade3), retracted(grade3)), [corrected, grade3, { ...grade3 }]).map((decision) => decision.outcome)).toEqual([
      'reinstated',
      'restated',
      'duplicate',
    ]);
  });

  it('finds the record a retraction names whatever the case of the parts ingest takes in any case', () => {
    const ledger = given(reported(grade3));
    // ingest stores assessment codes lower-cased: MCAS and mcas are one key
    expect(normaliseNaturalKey('assessment', '01M015/2010-11/annual/NYS/math/03/all')).toBe('01M015/2010-11/annual/nys/math/03/all');
    expect(decideRetraction(ledger, '01M015/2010-11/annual/NYS/math/03/all', 'typo')).toMatchObject({
      naturalKey: '01M015/2010-11/annual/nys/math/03/all',
      alreadyRetracted: false,
    });
    // the other parts are stored in lower case only: a key written otherwise still finds its record
    expect(decideRetraction(ledger, '01M015/2010-11/Annual/NYS/Math/03/ALL', 'typo').naturalKey).toBe('01M015/2010-11/annual/nys/math/03/all');
    expect(() => decideRetraction(ledger, '01M015/2010-11/annual/nys/math/04/all', 'typo')).toThrow(NotFoundError);
  });

  it('refuses a retraction that matches, but for case, several records, naming them', () => {
    // not something ingest writes today (every part but the stream's school id is lower case), but a log may hold it
    const withBoth: FeedLedger = {
      kind: 'indicators',
      entries: new Map([
        ['S1/2024-25/Dropouts', { record: { schoolId: 'S1', schoolYear: '2024-25', indicator: 'Dropouts', numerator: 1 }, retracted: false }],
        ['S1/2024-25/dropouts', { record: { schoolId: 'S1', schoolYear: '2024-25', indicator: 'dropouts', numerator: 1 }, retracted: false }],
      ]),
    };
    expect(decideRetraction(withBoth, 'S1/2024-25/dropouts', 'x').naturalKey).toBe('S1/2024-25/dropouts');
    expect(() => decideRetraction(withBoth, 'S1/2024-25/DROPOUTS', 'x')).toThrow(IllegalStateError);
    expect(() => decideRetraction(withBoth, 'S1/2024-25/DROPOUTS', 'x')).toThrow(
      "indicators records 'S1/2024-25/Dropouts', 'S1/2024-25/dropouts' differ from 'S1/2024-25/DROPOUTS' only by case",
    );
  });

  it('refuses to retract a key never recorded, and ignores a retraction of one', () => {
    expect(() => decideRetraction(given(), '01M015/2010-11/annual/nys/math/04/all', 'typo')).toThrow(NotFoundError);
    expect(decideRecords(given(retracted(grade3)), [grade3])).toEqual([{ outcome: 'accepted', event: reported(grade3) }]);
  });

  it('leaves the ledger it is given as it was: deciding and evolving make new values', () => {
    const before = given(reported(grade3));
    decideRecords(before, [{ ...grade3, proficient: 14 }, grade4]);
    const after = evolveLedger(before, [retracted(grade3), reported(grade4)]);
    expect(decideRecords(before, [grade3, grade4]).map((decision) => decision.outcome)).toEqual(['duplicate', 'accepted']);
    expect(decideRecords(after, [grade3, grade4]).map((decision) => decision.outcome)).toEqual(['reinstated', 'duplicate']);
    expect(evolveLedger(before, [])).toBe(before);
  });

  it('evolves the same report twice to the same ledger as once', () => {
    const once = given(reported(grade3));
    const twice = given(reported(grade3), reported(grade3));
    expect([...twice.entries.keys()]).toEqual([...once.entries.keys()]);
    expect(decideRecords(twice, [grade3])).toEqual(decideRecords(once, [grade3]));
  });
});
