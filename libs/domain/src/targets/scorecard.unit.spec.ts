import { Target } from '../events/registry-events';
import { MetricValue } from '../metrics/school-metrics';
import { contractScorecard, majorityOfSchools, ScorecardContract, ScorecardFacts } from './scorecard';
import { evaluateTarget, targetThreshold } from './target-evaluation';
import { testCatalogues } from '../testing/catalogues';

const CATALOGUES = testCatalogues();

const value = (metric: string, numerator: number, denominator: number, final = true): MetricValue => ({
  metric,
  numerator,
  denominator,
  suppressed: false,
  partial: false,
  final,
  through: final ? 'annual' : 'fall',
});
const target = (partial: Partial<Target> & Pick<Target, 'metric' | 'kind' | 'value'>): Target => ({ contractYear: 1, scope: 'school', ...partial });

describe('target thresholds (docs/domain.md#targets), by hand', () => {
  it('absolute: the value itself', () => {
    expect(targetThreshold(target({ metric: 'attendance_rate', kind: 'absolute', value: 0.93 }), null, null, CATALOGUES)).toEqual({ threshold: 0.93 });
  });
  it('gain: baseline + value, or baseline - value for lower-is-better metrics', () => {
    expect(targetThreshold(target({ metric: 'proficiency.math', kind: 'gain', value: 0.05 }), 0.2, null, CATALOGUES)).toEqual({ threshold: 0.25 });
    expect(targetThreshold(target({ metric: 'chronic_absence_rate', kind: 'gain', value: 0.05 }), 0.3, null, CATALOGUES)).toEqual({ threshold: 0.25 });
    expect(targetThreshold(target({ metric: 'proficiency.math', kind: 'gain', value: 0.05 }), null, null, CATALOGUES)).toEqual({
      reason: 'no baseline value for the baseline year',
    });
  });
  it('gap_closure: baseline + value x (goal - baseline), the goal 1.0 by default or the state average', () => {
    // 0.2 + 0.5 x (1 - 0.2) = 0.6
    expect(
      (targetThreshold(target({ metric: 'proficiency.math', kind: 'gap_closure', value: 0.5 }), 0.2, null, CATALOGUES) as { threshold: number }).threshold,
    ).toBeCloseTo(0.6, 12);
    // 0.25 + 0.5 x (0.45 - 0.25) = 0.35
    const toState = targetThreshold(target({ metric: 'proficiency.ela', kind: 'gap_closure', value: 0.5, goal: 'stateAverage' }), 0.25, 0.45, CATALOGUES);
    expect((toState as { threshold: number }).threshold).toBeCloseTo(0.35, 12);
    expect(targetThreshold(target({ metric: 'proficiency.ela', kind: 'gap_closure', value: 0.5, goal: 'stateAverage' }), 0.25, null, CATALOGUES)).toEqual({
      reason: 'no state average for the year yet',
    });
  });
  it('non_proficient_reduction: 1 - (1 - baseline) x (1 - value)', () => {
    // 1 - 0.75 x 0.8 = 0.4
    expect(
      (targetThreshold(target({ metric: 'proficiency.math', kind: 'non_proficient_reduction', value: 0.2 }), 0.25, null, CATALOGUES) as { threshold: number })
        .threshold,
    ).toBeCloseTo(0.4, 12);
  });
});

describe('target status (docs/domain.md#statuses)', () => {
  const gain = target({ metric: 'proficiency.math', kind: 'gain', value: 0.05 });
  const baseline = value('proficiency.math', 20, 100);
  it('is pending without evidence, at risk or on track on interim evidence, met or missed on the final result', () => {
    expect(evaluateTarget(gain, { baseline }, CATALOGUES)).toMatchObject({ status: 'pending', evidence: 'none', threshold: 0.25 });
    expect(evaluateTarget(gain, { baseline, leading: value('interim_proficiency.math', 22, 100, false) }, CATALOGUES)).toMatchObject({
      status: 'at_risk',
      actual: 0.22,
      evidence: 'leading',
    });
    expect(evaluateTarget(gain, { baseline, leading: value('interim_proficiency.math', 22, 100, false) }, CATALOGUES, { tolerance: 0.03 })).toMatchObject({
      status: 'on_track',
    });
    expect(evaluateTarget(gain, { baseline, leading: value('interim_proficiency.math', 30, 100, false) }, CATALOGUES)).toMatchObject({ status: 'on_track' });
    expect(
      evaluateTarget(gain, { baseline, actual: value('proficiency.math', 25, 100), leading: value('interim_proficiency.math', 10, 100, false) }, CATALOGUES),
    ).toMatchObject({ status: 'met', actual: 0.25, evidence: 'final' });
    expect(evaluateTarget(gain, { baseline, actual: value('proficiency.math', 24, 100) }, CATALOGUES)).toMatchObject({ status: 'missed' });
  });
  it('judges lower-is-better metrics the other way round', () => {
    const absence = target({ metric: 'chronic_absence_rate', kind: 'absolute', value: 0.2 });
    expect(evaluateTarget(absence, { actual: value('chronic_absence_rate', 19, 100) }, CATALOGUES)).toMatchObject({ status: 'met' });
    expect(evaluateTarget(absence, { actual: value('chronic_absence_rate', 21, 100, false) }, CATALOGUES)).toMatchObject({ status: 'at_risk' });
  });
  it('stays pending, saying why, when the final result is suppressed or the baseline is missing', () => {
    const suppressed = { ...value('proficiency.math', 0, 0), numerator: null, denominator: null, suppressed: true };
    expect(evaluateTarget(gain, { baseline, actual: suppressed }, CATALOGUES)).toMatchObject({ status: 'pending', reason: 'the final result is suppressed' });
    expect(evaluateTarget(gain, { actual: value('proficiency.math', 30, 100) }, CATALOGUES)).toMatchObject({
      status: 'pending',
      actual: 0.3,
      reason: 'no baseline value for the baseline year',
    });
  });
});

describe('a contract scorecard, computed by hand', () => {
  // Cluster C1: A, B and C from 2023-24; D joins in contract year 2 (2024-25).
  const contract: ScorecardContract = {
    contractId: 'K1',
    partnerId: 'P1',
    clusterId: 'C1',
    schoolIds: ['A', 'B', 'C', 'D'],
    startYear: '2023-24',
    baselineYear: '2022-23',
    targets: [
      target({ metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05 }),
      target({ metric: 'proficiency.math', contractYear: 1, kind: 'non_proficient_reduction', value: 0.05, scope: 'cluster' }),
      target({ metric: 'attendance_rate', contractYear: 2, kind: 'absolute', value: 0.93 }),
      target({ metric: 'proficiency.ela', contractYear: 3, kind: 'gap_closure', value: 0.5, goal: 'stateAverage', scope: 'cluster' }),
    ],
  };
  const data: Record<string, MetricValue> = {
    'A|2022-23|proficiency.math': value('proficiency.math', 20, 100),
    'B|2022-23|proficiency.math': value('proficiency.math', 30, 100),
    'C|2022-23|proficiency.math': value('proficiency.math', 25, 100),
    'D|2022-23|proficiency.math': value('proficiency.math', 10, 50),
    'A|2023-24|proficiency.math': value('proficiency.math', 26, 100),
    'B|2023-24|proficiency.math': value('proficiency.math', 33, 100),
    'C|2023-24|proficiency.math': value('proficiency.math', 29, 100),
    'D|2023-24|proficiency.math': value('proficiency.math', 5, 50),
    'A|2024-25|attendance_rate': value('attendance_rate', 930, 1000),
    'B|2024-25|attendance_rate': value('attendance_rate', 900, 1000, false),
    'C|2024-25|attendance_rate': value('attendance_rate', 950, 1000),
    'D|2024-25|attendance_rate': value('attendance_rate', 450, 500),
    'A|2022-23|proficiency.ela': value('proficiency.ela', 30, 100),
    'B|2022-23|proficiency.ela': value('proficiency.ela', 20, 100),
    'C|2022-23|proficiency.ela': value('proficiency.ela', 40, 100),
    'D|2022-23|proficiency.ela': value('proficiency.ela', 10, 100),
    'A|2025-26|interim_proficiency.ela': value('interim_proficiency.ela', 30, 100, false),
    'B|2025-26|interim_proficiency.ela': value('interim_proficiency.ela', 42, 100, false),
  };
  const facts: ScorecardFacts = {
    memberships: {
      A: [{ clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' }],
      B: [{ clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' }],
      C: [{ clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' }],
      D: [{ clusterId: 'C1', fromYear: '2024-25', strategy: 'close_reopen' }],
    },
    value: (schoolId, year, metric) => data[`${schoolId}|${year}|${metric}`],
    stateAverage: (year, metric) => (year === '2025-26' && metric === 'proficiency.ela' ? value(metric, 45, 100) : undefined),
  };
  const lines = contractScorecard(contract, facts, CATALOGUES);
  const line = (contractYear: number, metric: string, subjectId: string) =>
    lines.find((candidate) => candidate.contractYear === contractYear && candidate.metric === metric && candidate.subjectId === subjectId);

  it('year 1: school gains of 5 points; D, not yet a member, has no line', () => {
    expect(line(1, 'proficiency.math', 'A')).toMatchObject({ status: 'met', baseline: 0.2, actual: 0.26 });
    expect(line(1, 'proficiency.math', 'B')).toMatchObject({ status: 'missed', baseline: 0.3, actual: 0.33 });
    expect(line(1, 'proficiency.math', 'C')).toMatchObject({ status: 'missed' });
    expect(line(1, 'proficiency.math', 'D')).toBeUndefined();
  });

  it('year 1: the cluster aggregate meets its target, but 2 of 3 schools missed theirs, so the cluster is off track', () => {
    // baseline (20+30+25)/300 = 0.25; threshold 1 - 0.75 x 0.95 = 0.2875; actual (26+33+29)/300 = 0.2933
    const cluster = line(1, 'proficiency.math', 'C1');
    expect(cluster?.baseline).toBeCloseTo(0.25, 12);
    expect(cluster?.threshold).toBeCloseTo(0.2875, 12);
    expect(cluster?.actual).toBeCloseTo(88 / 300, 12);
    expect(cluster).toMatchObject({ scope: 'cluster', status: 'missed', schools: { counted: 3, missed: 2 }, reason: '2 of 3 schools missed their targets' });
  });

  it('year 2: D counts from the year it joined; an open year is at risk, not missed', () => {
    expect(line(2, 'attendance_rate', 'A')).toMatchObject({ status: 'met', actual: 0.93 });
    expect(line(2, 'attendance_rate', 'B')).toMatchObject({ status: 'at_risk', evidence: 'leading' });
    expect(line(2, 'attendance_rate', 'D')).toMatchObject({ status: 'missed', actual: 0.9 });
    // no cluster target: the majority rule gives the cluster line. D missed and B is at risk: 2 of 4,
    // exactly half, is not more than half; A and C met, so the others cannot make a majority: on track
    expect(line(2, 'attendance_rate', 'C1')).toMatchObject({
      kind: 'school_majority',
      status: 'on_track',
      actual: 0.5,
      evidence: 'leading',
      schools: { counted: 4, missed: 1 },
    });
  });

  it('year 3: a cluster gap-closure toward the state average, on track on interim evidence', () => {
    // baseline over A-D in 2022-23: 100/400 = 0.25; threshold 0.25 + 0.5 x (0.45 - 0.25) = 0.35; interim (30+42)/200 = 0.36
    const cluster = line(3, 'proficiency.ela', 'C1');
    expect(cluster?.threshold).toBeCloseTo(0.35, 12);
    expect(cluster).toMatchObject({ status: 'on_track', baseline: 0.25, actual: 0.36, evidence: 'leading' });
  });
});

describe('a cluster judged by the majority of its schools (issue 28), by hand', () => {
  // Cluster C1 of A, B and C; one school target: attendance of at least 0.93 in contract year 1 (2023-24).
  const contract: ScorecardContract = {
    contractId: 'K1',
    partnerId: 'P1',
    clusterId: 'C1',
    schoolIds: ['A', 'B', 'C'],
    startYear: '2023-24',
    baselineYear: '2022-23',
    targets: [target({ metric: 'attendance_rate', kind: 'absolute', value: 0.93 })],
  };
  const member = [{ clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' as const }];
  const cluster = (data: Record<string, MetricValue>) =>
    contractScorecard(
      contract,
      {
        memberships: { A: member, B: member, C: member },
        value: (schoolId, year, metric) => data[`${schoolId}|${year}|${metric}`],
        stateAverage: () => undefined,
      },
      CATALOGUES,
    ).find((line) => line.scope === 'cluster');

  it('is at risk as soon as 2 of its 3 schools are at risk, the third without data', () => {
    // January: A 900/1000 = 0.90 and B 910/1000 = 0.91 so far, both below 0.93; C has reported nothing
    const line = cluster({
      'A|2023-24|attendance_rate': value('attendance_rate', 900, 1000, false),
      'B|2023-24|attendance_rate': value('attendance_rate', 910, 1000, false),
    });
    expect(line).toMatchObject({ kind: 'school_majority', status: 'at_risk', evidence: 'leading', threshold: 0.5, schools: { counted: 3, missed: 0 } });
    expect(line?.actual).toBeCloseTo(2 / 3, 12);
    expect(line?.reason).toBe('2 of 3 schools missed their targets or are at risk');
  });

  it('is missed once 2 of 3 have missed, while the third is still open', () => {
    // June: A 0.92 and B 0.90 final, both miss 0.93; C 0.95 so far
    const line = cluster({
      'A|2023-24|attendance_rate': value('attendance_rate', 920, 1000),
      'B|2023-24|attendance_rate': value('attendance_rate', 900, 1000),
      'C|2023-24|attendance_rate': value('attendance_rate', 950, 1000, false),
    });
    expect(line).toMatchObject({ status: 'missed', evidence: 'final', schools: { counted: 3, missed: 2 }, reason: '2 of 3 schools missed their targets' });
  });

  it('a mix of one missed and one at risk of three is a majority at risk', () => {
    const line = cluster({
      'A|2023-24|attendance_rate': value('attendance_rate', 920, 1000),
      'B|2023-24|attendance_rate': value('attendance_rate', 900, 1000, false),
    });
    expect(line).toMatchObject({ status: 'at_risk', schools: { counted: 3, missed: 1 } });
  });

  it('a cluster target is at risk by its schools too, though its aggregate is on track', () => {
    // A 0.92 and B 0.92 so far, C 0.99: the aggregate (920 + 920 + 990) / 3000 = 0.9433 reaches 0.93
    const withClusterTarget = {
      ...contract,
      targets: [...contract.targets, target({ metric: 'attendance_rate', kind: 'absolute', value: 0.93, scope: 'cluster' })],
    };
    const data: Record<string, MetricValue> = {
      'A|2023-24|attendance_rate': value('attendance_rate', 920, 1000, false),
      'B|2023-24|attendance_rate': value('attendance_rate', 920, 1000, false),
      'C|2023-24|attendance_rate': value('attendance_rate', 990, 1000, false),
    };
    const line = contractScorecard(
      withClusterTarget,
      {
        memberships: { A: member, B: member, C: member },
        value: (schoolId, year, metric) => data[`${schoolId}|${year}|${metric}`],
        stateAverage: () => undefined,
      },
      CATALOGUES,
    ).find((candidate) => candidate.scope === 'cluster');
    expect(line).toMatchObject({ kind: 'absolute', status: 'at_risk', threshold: 0.93, reason: '2 of 3 schools missed their targets or are at risk' });
    expect(line?.actual).toBeCloseTo(2830 / 3000, 12);

    // a cluster target with no threshold (its gap closure has no baseline value) has nothing an alert could carry: pending, saying both
    const toStateAverage = {
      ...contract,
      targets: [...contract.targets, target({ metric: 'attendance_rate', kind: 'gap_closure', value: 0.5, goal: 'stateAverage', scope: 'cluster' })],
    };
    const unjudged = contractScorecard(
      toStateAverage,
      {
        memberships: { A: member, B: member, C: member },
        value: (schoolId, year, metric) => data[`${schoolId}|${year}|${metric}`],
        stateAverage: () => undefined,
      },
      CATALOGUES,
    ).find((candidate) => candidate.scope === 'cluster');
    expect(unjudged).toMatchObject({
      status: 'pending',
      threshold: null,
      reason: 'no baseline value for the baseline year; 2 of 3 schools missed their targets or are at risk',
    });
  });

  it("the rule on the schools' statuses, each case counted by hand", () => {
    const judged = (...statuses: Parameters<typeof majorityOfSchools>[0]) => majorityOfSchools(statuses);
    // three schools
    expect(judged('at_risk', 'at_risk', 'pending')).toMatchObject({ status: 'at_risk', share: 2 / 3 });
    expect(judged('at_risk', 'pending', 'pending')).toMatchObject({ status: 'pending', share: null, evidence: 'none' });
    expect(judged('missed', 'missed', 'pending')).toMatchObject({ status: 'missed', share: 2 / 3, evidence: 'final' });
    expect(judged('missed', 'met', 'met')).toMatchObject({ status: 'met', share: 1 / 3, evidence: 'final' });
    expect(judged('missed', 'met', 'pending')).toMatchObject({ status: 'pending' }); // one good of three is not enough to say
    expect(judged('on_track', 'on_track', 'at_risk')).toMatchObject({ status: 'on_track', share: 1 / 3, evidence: 'leading' });
    expect(judged('on_track', 'at_risk', 'pending')).toMatchObject({ status: 'pending' });
    // four schools: exactly half is not more than half
    expect(judged('missed', 'missed', 'met', 'met')).toMatchObject({ status: 'met', share: 0.5, missed: 2 });
    expect(judged('missed', 'at_risk', 'on_track', 'on_track')).toMatchObject({ status: 'on_track', share: 0.5 });
    expect(judged('at_risk', 'at_risk', 'pending', 'pending')).toMatchObject({ status: 'pending' });
    expect(judged('missed', 'at_risk', 'at_risk', 'met')).toMatchObject({ status: 'at_risk', share: 0.75, missed: 1 });
    expect(judged('missed', 'missed', 'missed', 'on_track')).toMatchObject({ status: 'missed', share: 0.75 });
    // two schools, and one
    expect(judged('at_risk', 'on_track')).toMatchObject({ status: 'on_track' });
    expect(judged('at_risk', 'missed')).toMatchObject({ status: 'at_risk', share: 1 });
    expect(judged('at_risk')).toMatchObject({ status: 'at_risk' });
    expect(judged('pending')).toMatchObject({ status: 'pending' });
  });
});
