import { decideContract } from '../registry/contract/contract.decide';
import { ValidationError } from '../errors';
import { parseWith } from '../events/event-catalogue';
import { IndicatorReported } from '../events/feed-events';
import { targetSchema, Target } from '../events/registry-events';
import { validateFeedRecord } from '../feeds/mapping-profile';
import { evaluateTarget } from '../targets/target-evaluation';
import { testCatalogues } from '../testing/catalogues';
import { IndicatorCatalogue, IndicatorEntry } from './indicator-catalogue';
import { metricDefinition } from './metric-catalogue';
import { MetricValue, schoolYearMetrics, SchoolYearFacts } from './school-metrics';

/** Three entries of the shipped catalogue (libs/feeds/indicators), one of each kind. */
const ENTRIES: IndicatorEntry[] = [
  { name: 'dropout_rate', kind: 'rate', direction: 'lower_is_better', description: 'dropouts / enrollment' },
  { name: 'discipline_incident_rate', kind: 'ratio', direction: 'lower_is_better', description: 'incidents / enrolled students' },
  { name: 'instructional_minutes', kind: 'count', unit: 'minutes', direction: 'higher_is_better', description: 'minutes of instruction' },
];
const catalogues = testCatalogues(ENTRIES);
const catalogue = catalogues.indicators;

const value = (metric: string, numerator: number, denominator: number): MetricValue => ({
  metric,
  numerator,
  denominator,
  suppressed: false,
  partial: false,
  final: true,
  through: 'annual',
});
const target = (partial: Partial<Target> & Pick<Target, 'metric' | 'kind' | 'value'>): Target => ({ contractYear: 1, scope: 'school', ...partial });
const indicator = (name: string, numerator: number, denominator?: number): IndicatorReported['data'] => ({
  schoolId: 'S1',
  schoolYear: '2024-25',
  indicator: name,
  numerator,
  ...(denominator === undefined ? {} : { denominator }),
});
const facts = (indicators: IndicatorReported['data'][]): SchoolYearFacts => ({
  schoolYear: '2024-25',
  assessment: [],
  attendance: [],
  staffing: [],
  indicators,
  priorYearStaffing: [],
  laterYearStaffingReported: false,
});

const SCHOOL = {
  exists: true,
  schoolId: 'S1',
  districtId: 'D1',
  name: 'S1',
  gradeSpan: '06-08',
  memberships: [{ clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' }],
} as const;

/** Signs a contract of these targets under the test's catalogues: what the contract's decider refuses. */
const sign = (targets: Target[]) => () =>
  decideContract(
    {
      type: 'SignPerformanceContract',
      data: {
        contractId: 'K1',
        partnerId: 'P1',
        clusterId: 'C1',
        schoolIds: ['S1'],
        governance: 'district_lead_partner',
        startYear: '2023-24',
        termYears: 3,
        baselineYear: '2022-23',
        targets,
      },
      partner: { exists: true, partnerId: 'P1', name: 'P1', role: 'lead' },
      cluster: { exists: true, clusterId: 'C1', zoneId: 'Z1', name: 'C1' },
      schools: [{ ...SCHOOL, memberships: [...SCHOOL.memberships] }],
      otherContracts: [],
      catalogues,
    },
    { exists: false },
  );

describe('indicator catalogue (docs/metrics.md)', () => {
  it('gives each catalogued indicator its direction and kind; an unknown one resolves, flagged, with no direction', () => {
    expect(metricDefinition('indicator.dropout_rate', catalogues)).toMatchObject({ direction: 'lower_is_better', isRate: true, indicatorKind: 'rate' });
    expect(metricDefinition('indicator.discipline_incident_rate', catalogues)).toMatchObject({
      direction: 'lower_is_better',
      isRate: false,
      indicatorKind: 'ratio',
    });
    expect(metricDefinition('indicator.instructional_minutes', catalogues)).toMatchObject({
      direction: 'higher_is_better',
      isRate: false,
      indicatorKind: 'count',
      unit: 'minutes',
    });
    const unknown = metricDefinition('indicator.grit', catalogues);
    expect(unknown).toMatchObject({ source: 'indicator', argument: 'grit', uncatalogued: true, isRate: false });
    expect(unknown?.direction).toBeUndefined();
    // the catalogue is an argument: the same name against an empty catalogue is uncatalogued
    expect(metricDefinition('indicator.dropout_rate', testCatalogues())).toMatchObject({ uncatalogued: true });
  });

  it('refuses a catalogue that names an indicator twice', () => {
    expect(() => new IndicatorCatalogue([...ENTRIES, ENTRIES[0]])).toThrow(/an indicator named 'dropout_rate' is catalogued already/);
  });

  it('judges a lower-is-better rate downwards: 10% dropouts miss an at-most-5% target, and rising dropouts miss a gain', () => {
    // absolute: 41 / 410 = 0.10 > 0.05 -> missed (judged higher-is-better it was "met")
    expect(
      evaluateTarget(
        target({ metric: 'indicator.dropout_rate', kind: 'absolute', value: 0.05 }),
        { actual: value('indicator.dropout_rate', 41, 410) },
        catalogues,
      ),
    ).toMatchObject({
      status: 'missed',
      threshold: 0.05,
      actual: 0.1,
    });
    // gain of 2 points from 40 / 500 = 0.08: threshold 0.08 - 0.02 = 0.06
    const gain = target({ metric: 'indicator.dropout_rate', kind: 'gain', value: 0.02 });
    const baseline = value('indicator.dropout_rate', 40, 500);
    // 55 / 500 = 0.11: rose, missed (judged higher-is-better, 0.11 >= 0.08 + 0.02 was "met")
    expect(evaluateTarget(gain, { baseline, actual: value('indicator.dropout_rate', 55, 500) }, catalogues)).toMatchObject({
      status: 'missed',
      threshold: 0.06,
      actual: 0.11,
    });
    // 25 / 500 = 0.05 <= 0.06: met
    expect(evaluateTarget(gain, { baseline, actual: value('indicator.dropout_rate', 25, 500) }, catalogues)).toMatchObject({ status: 'met', actual: 0.05 });
  });

  it('takes a count target in its own unit: minutes, not a rate', () => {
    // 180 days x 360 minutes = 64,800 minutes
    const minutes = parseWith(targetSchema, { metric: 'indicator.instructional_minutes', contractYear: 1, kind: 'absolute', value: 64800, scope: 'school' });
    expect(evaluateTarget(minutes, { actual: value('indicator.instructional_minutes', 63000, 1) }, catalogues)).toMatchObject({
      status: 'missed',
      threshold: 64800,
      actual: 63000,
    });
    expect(evaluateTarget(minutes, { actual: value('indicator.instructional_minutes', 64800, 1) }, catalogues)).toMatchObject({ status: 'met' });
    // a gain of 1,800 minutes (10 more a day over 180 days): 63,000 + 1,800 = 64,800
    const gain = parseWith(targetSchema, { metric: 'indicator.instructional_minutes', contractYear: 1, kind: 'gain', value: 1800, scope: 'school' });
    expect(
      evaluateTarget(
        gain,
        { baseline: value('indicator.instructional_minutes', 63000, 1), actual: value('indicator.instructional_minutes', 64000, 1) },
        catalogues,
      ),
    ).toMatchObject({
      status: 'missed',
      threshold: 64800,
      actual: 64000,
    });
    // a rate still may not exceed 1; a count's gap closure names its own goal (1.0 is no goal for minutes): the
    // contract's decider says so by the catalogue, the event's schema reads either whatever the catalogue says later
    const tooHigh = target({ metric: 'indicator.dropout_rate', kind: 'absolute', value: 5 });
    expect(sign([tooHigh])).toThrow(/targets.0.value: expected a rate between 0 and 1/);
    const noGoal = target({ metric: 'indicator.instructional_minutes', kind: 'gap_closure', value: 0.5 });
    expect(sign([noGoal])).toThrow(/targets.0.goal: expected a goal in minutes for indicator.instructional_minutes \(a count has no top of 1\)/);
    expect(parseWith(targetSchema, tooHigh)).toEqual(tooHigh);
  });

  it('refuses a contract whose target names an uncatalogued indicator, listing the catalogued ones; a stored one stays readable', () => {
    const target: Target = { metric: 'indicator.grit', contractYear: 1, kind: 'absolute', value: 0.5, scope: 'school' };
    const refused = sign([target]);
    expect(refused).toThrow(ValidationError);
    expect(refused).toThrow(
      "targets.0.metric: indicator 'grit' is not in the indicator catalogue, so nothing says which way is better: expected one of indicator.dropout_rate, indicator.discipline_incident_rate, indicator.instructional_minutes (a state adds its own in INDICATORS_DIR)",
    );
    // the event's own schema does not depend on the catalogue: the log is read the same whatever it says later
    expect(parseWith(targetSchema, target)).toEqual(target);
  });

  it('computes a count as its numerator alone and a ratio above 1; an uncatalogued indicator as reported', () => {
    const values = schoolYearMetrics(
      facts([indicator('instructional_minutes', 64800), indicator('discipline_incident_rate', 620, 410), indicator('grit', 3, 4)]),
      catalogue,
    );
    expect(values.find((metric) => metric.metric === 'indicator.instructional_minutes')).toMatchObject({ numerator: 64800, denominator: 1 });
    // 620 incidents / 410 students = 1.51 incidents a student: a ratio, not capped at 1
    expect(values.find((metric) => metric.metric === 'indicator.discipline_incident_rate')).toMatchObject({ numerator: 620, denominator: 410 });
    expect(values.find((metric) => metric.metric === 'indicator.grit')).toMatchObject({ numerator: 3, denominator: 4 });
  });

  it('checks a feed record against its kind, and stores an uncatalogued one as reported', () => {
    expect(validateFeedRecord('indicators', indicator('dropout_rate', 12), 1, catalogue)).toEqual({
      kind: 'rejected',
      issues: [{ row: 1, field: 'denominator', message: 'expected a denominator: dropout_rate is a rate (numerator / denominator)' }],
    });
    expect(validateFeedRecord('indicators', indicator('dropout_rate', 12, 10), 2, catalogue)).toEqual({
      kind: 'rejected',
      issues: [{ row: 2, field: 'numerator', message: 'expected at most the denominator (10): dropout_rate is a rate between 0 and 1, got 12' }],
    });
    expect(validateFeedRecord('indicators', indicator('instructional_minutes', 64800, 180), 3, catalogue)).toEqual({
      kind: 'rejected',
      issues: [{ row: 3, field: 'denominator', message: 'expected no denominator: instructional_minutes is a count (minutes), its numerator alone' }],
    });
    expect(validateFeedRecord('indicators', indicator('discipline_incident_rate', 620, 410), 4, catalogue)).toMatchObject({ kind: 'record' });
    expect(validateFeedRecord('indicators', indicator('grit', 3), 5, catalogue)).toMatchObject({ kind: 'record' });
  });
});
