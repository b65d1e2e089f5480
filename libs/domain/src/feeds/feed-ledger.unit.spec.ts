import { AssessmentResultsReported } from '../events/feed-events';
import { NotFoundError, ValidationError } from '../errors';
import { FeedLedger } from './feed-ledger';
import { canonicalJson, feedStreamOfNaturalKey, feedStreamOfRecord, naturalKeyOf } from './feed-record';

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

function ledgerWith(...records: AssessmentResultsReported['data'][]): FeedLedger {
  const ledger = new FeedLedger('assessment');
  for (const data of records) ledger.apply({ type: 'AssessmentResultsReported', data });
  return ledger;
}

describe('feed natural keys and streams', () => {
  it('writes the natural key of DESIGN.md section 4 and finds the stream again from it', () => {
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
    expect(canonicalJson({ b: [1, undefined, 'x"y'], a: { d: 2.5, c: null, e: undefined }, '10': true, '9': false, when: new Date(Date.UTC(2025, 0, 2)) })).toBe(
      '{"10":true,"9":false,"a":{"c":null,"d":2.5},"b":[1,null,"x\\"y"],"when":"2025-01-02T00:00:00.000Z"}',
    );
    expect(canonicalJson(grade3)).toBe(JSON.stringify(Object.fromEntries(Object.entries(grade3).sort(([a], [b]) => (a < b ? -1 : 1)))));
  });
});

describe('feed ledger: duplicates, restatements, retractions', () => {
  it('accepts a new key and appends its event', () => {
    expect(ledgerWith().decide(grade3)).toEqual({ outcome: 'accepted', event: { type: 'AssessmentResultsReported', data: grade3 } });
  });

  it('appends nothing for the same key with the same payload', () => {
    expect(ledgerWith(grade3).decide({ ...grade3 })).toEqual({ outcome: 'duplicate' });
  });

  it('appends a restatement for the same key with a different payload', () => {
    const corrected = { ...grade3, proficient: 14 };
    expect(ledgerWith(grade3).decide(corrected)).toEqual({ outcome: 'restated', event: { type: 'AssessmentResultsReported', data: corrected } });
    // and the restated value is then the one duplicates compare against
    expect(ledgerWith(grade3, corrected).decide(corrected)).toEqual({ outcome: 'duplicate' });
    expect(ledgerWith(grade3, corrected).decide(grade3).outcome).toBe('restated');
  });

  it('treats another grade or group as another record, not a restatement', () => {
    expect(ledgerWith(grade3).decide({ ...grade3, grade: 'all' }).outcome).toBe('accepted');
  });

  it('retracts a recorded key once, and reinstates it when pushed again', () => {
    const ledger = ledgerWith(grade3);
    const key = naturalKeyOf('assessment', grade3);
    const retraction = ledger.decideRetraction(key, 'wrong school code');
    expect(retraction).toEqual([{ type: 'RecordRetracted', data: { feed: 'assessment', naturalKey: key, reason: 'wrong school code' } }]);
    ledger.apply(retraction[0]);
    expect(ledger.decideRetraction(key, 'again')).toEqual([]);
    expect(ledger.decide(grade3).outcome).toBe('restated');
  });

  it('refuses to retract a key never recorded', () => {
    expect(() => ledgerWith().decideRetraction('01M015/2010-11/annual/nys/math/04/all', 'typo')).toThrow(NotFoundError);
  });
});
