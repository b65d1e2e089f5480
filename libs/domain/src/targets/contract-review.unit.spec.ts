import { clusterRuleSentence, ClusterRuleLine, contractRecord, RecordAlert, RecordLine } from './contract-review';

const line = (partial: Partial<ClusterRuleLine>): ClusterRuleLine => ({
  metric: 'proficiency.math', contractYear: 1, status: 'met', kind: 'school_majority', threshold: 0.5, actual: null, ...partial,
});

describe('the cluster rule in words (DESIGN.md sections 7 and 13), by hand', () => {
  it('2 of 3 schools missed: more than half, the cluster missed', () => {
    expect(clusterRuleSentence(line({ status: 'missed', schools: { counted: 3, missed: 2 } }))).toBe(
      'The cluster missed year 1 for proficiency.math: 2 of 3 schools missed their targets (more than half).',
    );
  });
  it('2 of 4 schools missed: exactly half is not more than half, the cluster met', () => {
    expect(clusterRuleSentence(line({ contractYear: 2, status: 'met', schools: { counted: 4, missed: 2 } }))).toBe(
      'The cluster met year 2 for proficiency.math: 2 of 4 schools missed their targets (exactly half, not more than half).',
    );
  });
  it('a cluster target states its aggregate against the target beside the schools', () => {
    expect(clusterRuleSentence(line({ kind: 'gain', status: 'missed', threshold: 0.35, actual: 0.3125, schools: { counted: 3, missed: 1 } }))).toBe(
      "The cluster missed year 1 for proficiency.math: 1 of 3 schools missed their targets (not more than half); the cluster's aggregate was 0.313 against a target of 0.35.",
    );
    expect(clusterRuleSentence(line({ kind: 'absolute', metric: 'attendance_rate', status: 'met', threshold: 0.9, actual: 0.92 }))).toBe(
      "The cluster met year 1 for attendance_rate: the cluster's aggregate was 0.92 against a target of 0.9.",
    );
  });
  it('an open year says so, and a cluster target without a result says it has none', () => {
    expect(clusterRuleSentence(line({ kind: 'gain', status: 'pending', contractYear: 3, threshold: null, actual: null }))).toBe(
      "The cluster cannot be judged yet in year 3 for proficiency.math: the cluster's aggregate has no result against its target yet.",
    );
    expect(clusterRuleSentence(line({ status: 'at_risk', schools: { counted: 3, missed: 1 } }))).toBe(
      'The cluster is at risk in year 1 for proficiency.math: 1 of 3 schools missed their targets (not more than half).',
    );
  });
});

describe('what the record shows (DESIGN.md section 13), by hand', () => {
  const year = (contractYear: number, status: RecordLine['status'], knownAt: string, metric = 'proficiency.math'): RecordLine => ({
    metric, contractYear, status, evidence: status === 'met' || status === 'missed' ? 'final' : 'leading', knownAt,
  });
  const alert = (contractYear: number, checkpoint: RecordAlert['checkpoint'], raisedAt: string, metric = 'proficiency.math'): RecordAlert => ({ metric, contractYear, checkpoint, raisedAt });

  it('counts years met and missed, the longest run of misses, and when the warning came', () => {
    const lines = [year(1, 'missed', '2025-07-01T00:00:00Z'), year(2, 'met', '2026-07-01T00:00:00Z'), year(3, 'missed', '2027-07-01T00:00:00Z'), year(4, 'missed', '2028-07-01T00:00:00Z'), year(5, 'at_risk', '2029-02-01T00:00:00Z')];
    const alerts = [
      alert(1, 'early_warning', '2025-02-01T00:00:00Z'), // before the result of 2025-06-15 (the year-end alert)
      alert(1, 'year_end', '2025-06-15T00:00:00Z'),
      alert(3, 'early_warning', '2027-08-01T00:00:00Z'), // after the final line of 2027-07-01
      alert(5, 'early_warning', '2029-02-01T00:00:00Z'),
    ];
    const [record] = contractRecord(lines, alerts);
    expect(record).toMatchObject({ metric: 'proficiency.math', met: [2], missed: [1, 3, 4], consecutiveMisses: 2 });
    expect(record.years.map((entry) => [entry.contractYear, entry.warning, entry.resultAt])).toEqual([
      [1, 'before', '2025-06-15T00:00:00.000Z'],
      [2, 'no warning', '2026-07-01T00:00:00.000Z'],
      [3, 'after', '2027-07-01T00:00:00.000Z'],
      [4, 'no warning', '2028-07-01T00:00:00.000Z'],
      [5, 'not final yet', null],
    ]);
  });
  it('keeps metrics apart, sorted, and a gap in the years breaks a run', () => {
    const records = contractRecord([year(1, 'missed', '2025-07-01T00:00:00Z', 'proficiency.math'), year(3, 'missed', '2027-07-01T00:00:00Z', 'proficiency.math'), year(1, 'met', '2025-07-01T00:00:00Z', 'attendance_rate')], [alert(1, 'early_warning', '2025-01-01T00:00:00Z', 'attendance_rate')]);
    expect(records.map((record) => [record.metric, record.met, record.missed, record.consecutiveMisses])).toEqual([
      ['attendance_rate', [1], [], 0],
      ['proficiency.math', [], [1, 3], 1],
    ]);
    expect(records[0].years[0].warning).toBe('before');
  });
});
