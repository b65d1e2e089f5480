import { metricDefinition } from '../metrics/metric-catalogue';
import { testCatalogues } from '../testing/catalogues';
import {
  clusterRuleSentence,
  ClusterRuleLine,
  ComparisonFigure,
  comparisonSentence,
  contractRecord,
  metricWords,
  RecordAlert,
  RecordLine,
} from './contract-review';

const line = (partial: Partial<ClusterRuleLine>): ClusterRuleLine => ({
  metric: 'proficiency.math',
  contractYear: 1,
  status: 'met',
  kind: 'school_majority',
  threshold: 0.5,
  actual: null,
  ...partial,
});

describe('the cluster rule in words (docs/domain.md#statuses and docs/domain.md, the annual review), by hand', () => {
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

describe('what the record shows (docs/domain.md, the annual review), by hand', () => {
  const year = (contractYear: number, status: RecordLine['status'], knownAt: string, metric = 'proficiency.math'): RecordLine => ({
    metric,
    contractYear,
    status,
    evidence: status === 'met' || status === 'missed' ? 'final' : 'leading',
    knownAt,
  });
  const alert = (contractYear: number, checkpoint: RecordAlert['checkpoint'], raisedAt: string, metric = 'proficiency.math'): RecordAlert => ({
    metric,
    contractYear,
    checkpoint,
    raisedAt,
  });

  it('counts years met and missed, the longest run of misses, and when the warning came', () => {
    const lines = [
      year(1, 'missed', '2025-07-01T00:00:00Z'),
      year(2, 'met', '2026-07-01T00:00:00Z'),
      year(3, 'missed', '2027-07-01T00:00:00Z'),
      year(4, 'missed', '2028-07-01T00:00:00Z'),
      year(5, 'at_risk', '2029-02-01T00:00:00Z'),
    ];
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
    const records = contractRecord(
      [
        year(1, 'missed', '2025-07-01T00:00:00Z', 'proficiency.math'),
        year(3, 'missed', '2027-07-01T00:00:00Z', 'proficiency.math'),
        year(1, 'met', '2025-07-01T00:00:00Z', 'attendance_rate'),
      ],
      [alert(1, 'early_warning', '2025-01-01T00:00:00Z', 'attendance_rate')],
    );
    expect(records.map((record) => [record.metric, record.met, record.missed, record.consecutiveMisses])).toEqual([
      ['attendance_rate', [1], [], 0],
      ['proficiency.math', [], [1, 3], 1],
    ]);
    expect(records[0].years[0].warning).toBe('before');
  });
});

describe('the difference in differences in words (docs/research.md and docs/domain.md, the annual review), by hand', () => {
  const figure = (partial: Partial<ComparisonFigure> & { value?: number; lower?: number; upper?: number }): ComparisonFigure => {
    const { value = 0.025, lower = 0.004, upper = 0.046, ...rest } = partial;
    return {
      metric: 'attendance_rate',
      contractYear: 1,
      baselineYear: '2022-23',
      year: '2023-24',
      difference: { value, ci95: { lower, upper }, insufficient: null, intervalInsufficient: null },
      schools: { treated: 12, comparison: 40 },
      ...rest,
    };
  };
  const from = 'From 2022-23 to 2023-24 (contract year 1), ';
  const catalogue = testCatalogues([
    { name: 'instructional_minutes', kind: 'count', direction: 'higher_is_better', description: 'minutes of instruction', unit: 'minutes' },
    { name: 'discipline_incident_rate', kind: 'ratio', direction: 'lower_is_better', description: 'incidents per enrolled student' },
    { name: 'graduation_rate', kind: 'rate', direction: 'higher_is_better', description: 'graduates / cohort' },
  ]);
  /** The sentence of a figure whose metric is defined by the test's catalogues. */
  const sentence = (figure: ComparisonFigure) => comparisonSentence(figure, metricDefinition(figure.metric, catalogue));

  it('a rate that grew more, its interval above zero: 0.025 is 2.5 percentage points', () => {
    expect(sentence(figure({}))).toBe(
      `${from}attendance rate grew 2.5 percentage points more in the cluster's schools than in comparison schools; the 95% interval, 0.4 to 4.6 percentage points, excludes zero.`,
    );
  });
  it('a rate that grew less, its interval below zero', () => {
    expect(sentence(figure({ metric: 'proficiency.math', contractYear: 2, year: '2024-25', value: -0.06, lower: -0.1, upper: -0.02 }))).toBe(
      "From 2022-23 to 2024-25 (contract year 2), proficiency in math grew 6.0 percentage points less in the cluster's schools than in comparison schools; the 95% interval, -10.0 to -2.0 percentage points, excludes zero.",
    );
  });
  it('an interval spanning zero, or touching it, includes zero: the difference may be chance', () => {
    expect(sentence(figure({ value: 0.01, lower: -0.005, upper: 0.03 }))).toBe(
      `${from}attendance rate grew 1.0 percentage points more in the cluster's schools than in comparison schools; the 95% interval, -0.5 to 3.0 percentage points, includes zero, so the difference may be chance.`,
    );
    expect(sentence(figure({ value: 0.01, lower: 0, upper: 0.02 }))).toBe(
      `${from}attendance rate grew 1.0 percentage points more in the cluster's schools than in comparison schools; the 95% interval, 0.0 to 2.0 percentage points, includes zero, so the difference may be chance.`,
    );
  });
  it('a difference that rounds to nothing has no direction and no minus sign', () => {
    expect(sentence(figure({ value: -0.0004, lower: -0.01, upper: 0.01 }))).toBe(
      `${from}attendance rate grew as much in the cluster's schools as in comparison schools (a difference of 0.0 percentage points); the 95% interval, -1.0 to 1.0 percentage points, includes zero, so the difference may be chance.`,
    );
    expect(sentence(figure({ value: 0.02, lower: -0.0004, upper: 0.04 }))).toContain('the 95% interval, 0.0 to 4.0 percentage points, includes zero');
  });
  it('lower is better is said where it applies: chronic absence that grew less', () => {
    expect(sentence(figure({ metric: 'chronic_absence_rate', value: -0.03, lower: -0.05, upper: -0.01 }))).toBe(
      `${from}chronic absence rate grew 3.0 percentage points less in the cluster's schools than in comparison schools (lower is better); the 95% interval, -5.0 to -1.0 percentage points, excludes zero.`,
    );
  });
  it('too few schools on a side: no figure is read, the short side, its n and the minimum are', () => {
    expect(
      sentence(
        figure({
          schools: { treated: 3, comparison: 1 },
          difference: { value: 0.05, ci95: null, insufficient: { needed: 2, have: 1 }, intervalInsufficient: { needed: 10, have: 1 } },
        }),
      ),
    ).toBe(`${from}too few comparison schools (n = 1) have attendance rate in both years to compare (at least 2 needed on each side).`);
    expect(
      sentence(
        figure({
          schools: { treated: 1, comparison: 1 },
          difference: { value: 0.05, ci95: null, insufficient: { needed: 2, have: 1 }, intervalInsufficient: { needed: 10, have: 1 } },
        }),
      ),
    ).toBe(
      `${from}too few of the cluster's schools (n = 1) and too few comparison schools (n = 1) have attendance rate in both years to compare (at least 2 needed on each side).`,
    );
  });
  it('enough schools for the figure but not for its interval: the interval is given, not read', () => {
    expect(
      sentence(
        figure({
          schools: { treated: 3, comparison: 2 },
          difference: { value: 0.05, ci95: { lower: 0.02, upper: 0.08 }, insufficient: null, intervalInsufficient: { needed: 10, have: 2 } },
        }),
      ),
    ).toBe(
      `${from}attendance rate grew 5.0 percentage points more in the cluster's schools than in comparison schools; the 95% interval, 2.0 to 8.0 percentage points, rests on too few schools to read (n = 2; at least 10 needed on each side).`,
    );
    expect(sentence(figure({ difference: { value: 0.05, ci95: null, insufficient: null, intervalInsufficient: null } }))).toBe(
      `${from}attendance rate grew 5.0 percentage points more in the cluster's schools than in comparison schools; no 95% interval could be computed.`,
    );
  });
  it('nothing to compare where one side has no school with the metric in both years', () => {
    expect(sentence(figure({ difference: null, schools: null }))).toBe(
      `${from}there is nothing to compare yet: the cluster's schools or the comparison schools have no attendance rate in both years.`,
    );
  });
  it('other units: scale-score points, a count in its own unit, a ratio as the number itself, never percentage points', () => {
    expect(sentence(figure({ metric: 'scale_score.math', value: 6, lower: 1.5, upper: 10.2 }))).toBe(
      `${from}scale score in math grew 6.0 scale-score points more in the cluster's schools than in comparison schools; the 95% interval, 1.5 to 10.2 scale-score points, excludes zero.`,
    );
    const minutes = metricDefinition('indicator.instructional_minutes', catalogue);
    expect(comparisonSentence(figure({ metric: 'indicator.instructional_minutes', value: 1500.5, lower: -20, upper: 3000 }), minutes)).toBe(
      `${from}instructional minutes grew 1500.5 minutes more in the cluster's schools than in comparison schools; the 95% interval, -20 to 3000 minutes, includes zero, so the difference may be chance.`,
    );
    const incidents = metricDefinition('indicator.discipline_incident_rate', catalogue);
    expect(comparisonSentence(figure({ metric: 'indicator.discipline_incident_rate', value: -0.125, lower: -0.25, upper: -0.0625 }), incidents)).toBe(
      `${from}discipline incident rate grew 0.125 less in the cluster's schools than in comparison schools (lower is better); the 95% interval, -0.25 to -0.063, excludes zero.`,
    );
    expect(
      comparisonSentence(
        figure({ metric: 'indicator.graduation_rate', value: 0.04, lower: 0.01, upper: 0.07 }),
        metricDefinition('indicator.graduation_rate', catalogue),
      ),
    ).toBe(
      `${from}graduation rate grew 4.0 percentage points more in the cluster's schools than in comparison schools; the 95% interval, 1.0 to 7.0 percentage points, excludes zero.`,
    );
  });
  it('names a metric in words: a family, a subject, an indicator, and an unknown name as it is', () => {
    expect(
      ['attendance_rate', 'interim_proficiency.ela', 'indicator.truancy_rate', 'no_such_metric'].map((metric) =>
        metricWords(metric, metricDefinition(metric, catalogue)),
      ),
    ).toEqual(['attendance rate', 'interim proficiency in ela', 'truancy rate', 'no_such_metric']);
  });
});
