import { ContractEvent, DEFAULT_RULES, MetricValue, Target } from '@turnaround/domain';
import { ContractToJudge, JudgementFacts, planContractTargets, planJudgement, StoredLine, TargetOnRecord } from './scorecards.planner';
import { ScorecardRowChange } from './scorecards.tables';
import { testCatalogues } from '@turnaround/domain/testing';

const SIGNED = '2024-07-01T00:00:00.000Z';
const T1 = '2025-06-20T00:00:00.000Z';
const MATH_1: Target = { metric: 'proficiency.math', contractYear: 1, kind: 'absolute', value: 0.5, scope: 'cluster' };
const MATH_2: Target = { ...MATH_1, contractYear: 2, value: 0.55 };
const ELA_2: Target = { metric: 'proficiency.ela', contractYear: 2, kind: 'gain', value: 0.05, scope: 'cluster' };
const onRecord = (target: Target, since = SIGNED, setBy = 'signed'): TargetOnRecord => ({ ...target, since, setBy });

describe("the targets in force: given a contract's targets as stored, then the rows a contract event changes", () => {
  const plan = (event: ContractEvent, inForce: TargetOnRecord[] = [], finalYears: number[] = []) =>
    planContractTargets(event, T1, inForce, new Set(finalYears));
  const set = ({ since, setBy, ...target }: TargetOnRecord): ScorecardRowChange => ({
    table: 'scorecard_targets',
    op: 'upsert',
    key: { contractId: 'K1', scope: target.scope, metric: target.metric, contractYear: target.contractYear },
    values: { target, since, setBy },
  });

  it('sets the signed targets, in force from the signing', () => {
    const signed = plan({
      type: 'PerformanceContractSigned',
      data: {
        contractId: 'K1',
        partnerId: 'P1',
        clusterId: 'C1',
        schoolIds: ['S1'],
        governance: 'managing_partner',
        startYear: '2024-25',
        termYears: 3,
        baselineYear: '2023-24',
        targets: [MATH_1, MATH_2],
      },
    });
    expect(signed).toEqual({ changes: [set(onRecord(MATH_1, T1)), set(onRecord(MATH_2, T1))] });
  });

  it("amends what the amendment names, withdraws what it removes, and leaves a final year's targets as they were", () => {
    const amended = plan(
      {
        type: 'ContractTargetsAmended',
        data: {
          contractId: 'K1',
          amendment: 2,
          reason: 'new state test',
          targets: [
            { ...MATH_1, value: 0.4 },
            { ...MATH_2, value: 0.6 },
          ],
          remove: [{ metric: ELA_2.metric, contractYear: ELA_2.contractYear, scope: ELA_2.scope }],
        },
      },
      [onRecord(MATH_1), onRecord(MATH_2), onRecord(ELA_2)],
      [1],
    );
    const kept = [onRecord(MATH_1), onRecord({ ...MATH_2, value: 0.6 }, T1, 'amendment 2')];
    expect(amended.amended).toEqual(kept);
    expect(amended.changes).toEqual([
      { table: 'scorecard_targets', op: 'delete', key: { contractId: 'K1', scope: 'cluster', metric: 'proficiency.ela', contractYear: 2 } },
      ...kept.map(set),
    ]);
  });

  it('adds the renewed years, and changes nothing on termination (the next judgement withdraws the lines)', () => {
    const MATH_4: Target = { ...MATH_1, contractYear: 4, value: 0.65 };
    expect(plan({ type: 'ContractRenewed', data: { contractId: 'K1', additionalYears: 1, targets: [MATH_4] } })).toEqual({
      changes: [set(onRecord(MATH_4, T1, 'renewal'))],
    });
    expect(plan({ type: 'ContractTerminated', data: { contractId: 'K1', reason: 'partner withdrew' } })).toEqual({ changes: [] });
  });
});

/** A final school value: `numerator` of `denominator` students proficient. */
const final = (metric: string, numerator: number, denominator: number): MetricValue => ({
  metric,
  numerator,
  denominator,
  suppressed: false,
  partial: false,
  final: true,
  through: 'spring',
});

/** Two member schools of cluster C1 since 2023-24, in districts D1 and D2, with their math results by school year. */
const facts = (math: Record<string, [MetricValue, MetricValue]>): JudgementFacts => ({
  memberships: {
    S1: [{ clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' }],
    S2: [{ clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' }],
  },
  value: (schoolId, year, metric) => (metric === 'proficiency.math' ? math[year]?.[schoolId === 'S1' ? 0 : 1] : undefined),
  stateAverage: () => undefined,
  districtOf: new Map([
    ['S1', 'D1'],
    ['S2', 'D2'],
  ]),
});

const contract = (lines: StoredLine[] = [], targets = [onRecord(MATH_1)], status: ContractToJudge['status'] = 'active'): ContractToJudge => ({
  contractId: 'K1',
  partnerId: 'P1',
  clusterId: 'C1',
  schoolIds: ['S1', 'S2'],
  startYear: '2024-25',
  baselineYear: '2023-24',
  status,
  targets,
  lines: new Map(lines.map((line) => [`${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`, line])),
});

/** The cluster's math line of contract year 1 (2024-25) against the absolute 0.5 target. */
const mathLine = (status: StoredLine['status'], actual: number, contractStatus: StoredLine['contractStatus'] = 'active'): StoredLine => ({
  scope: 'cluster',
  subjectId: 'C1',
  metric: 'proficiency.math',
  contractYear: 1,
  schoolYear: '2024-25',
  kind: 'absolute',
  status,
  threshold: 0.5,
  baseline: 0.4,
  actual,
  evidence: 'final',
  target: { ...MATH_1, since: SIGNED },
  contractStatus,
});
const lineKey = { contractId: 'K1', scope: 'cluster', subjectId: 'C1', metric: 'proficiency.math', contractYear: 1 } as const;
const lineValues = (line: StoredLine) => ({
  partnerId: 'P1',
  clusterId: 'C1',
  contractStatus: line.contractStatus,
  schoolYear: '2024-25',
  kind: 'absolute',
  status: line.status,
  threshold: 0.5,
  baseline: 0.4,
  actual: line.actual,
  evidence: 'final',
  reason: null,
  schoolsCounted: null,
  schoolsMissed: null,
  target: MATH_1,
  targetSince: SIGNED,
});
const change = (values: Partial<Extract<ScorecardRowChange, { table: 'scorecard_changes'; op: 'upsert' }>['values']>, ordinal = 0): ScorecardRowChange => ({
  table: 'scorecard_changes',
  op: 'upsert',
  key: { position: '42', ordinal },
  values: {
    knownAt: T1,
    contractId: 'K1',
    partnerId: 'P1',
    districtIds: ['D1', 'D2'],
    scope: 'cluster',
    subjectId: 'C1',
    metric: 'proficiency.math',
    contractYear: 1,
    schoolYear: '2024-25',
    threshold: 0.5,
    actual: null,
    fromStatus: null,
    status: 'pending',
    withdrawal: null,
    missedYearBefore: false,
    ...values,
  },
});

// 2023-24 (baseline): 30 + 50 of 100 + 100 is 0.4. 2024-25: 45 + 45 of 100 + 80 is 0.5 exactly (met); 40 + 50 of 100 + 100 is 0.45 (missed).
const BASELINE: [MetricValue, MetricValue] = [final('proficiency.math', 30, 100), final('proficiency.math', 50, 100)];
const MET = facts({ '2023-24': BASELINE, '2024-25': [final('proficiency.math', 45, 100), final('proficiency.math', 45, 80)] });
const MISSED = facts({ '2023-24': BASELINE, '2024-25': [final('proficiency.math', 40, 100), final('proficiency.math', 50, 100)] });

describe("the scorecards planner: given contracts' lines as stored and the facts, then the rows a judgement changes", () => {
  const judge = (contracts: ContractToJudge[], given: JudgementFacts) => planJudgement(contracts, given, T1, '42', DEFAULT_RULES, testCatalogues());

  it("judges a new line from the cluster's summed results (90 of 180 is 0.5: met) and records its first status for every district", () => {
    const line = mathLine('met', 0.5);
    expect(judge([contract()], MET)).toEqual([
      { table: 'scorecard_lines', op: 'upsert', key: lineKey, values: { ...lineValues(line), knownAt: T1 } },
      { table: 'scorecard_line_history', op: 'upsert', key: { ...lineKey, knownAt: T1 }, values: { ...lineValues(line), removed: false } },
      change({ actual: 0.5, status: 'met' }),
    ]);
  });

  it('writes nothing for a line judged as it stands', () => {
    expect(judge([contract([mathLine('met', 0.5)])], MET)).toEqual([]);
  });

  it('rewrites a line whose status changed (a restatement to 90 of 200: 0.45, missed) and records the change from met', () => {
    const line = mathLine('missed', 0.45);
    expect(judge([contract([mathLine('met', 0.5)])], MISSED)).toEqual([
      { table: 'scorecard_lines', op: 'upsert', key: lineKey, values: { ...lineValues(line), knownAt: T1 } },
      { table: 'scorecard_line_history', op: 'upsert', key: { ...lineKey, knownAt: T1 }, values: { ...lineValues(line), removed: false } },
      change({ actual: 0.45, fromStatus: 'met', status: 'missed' }),
    ]);
  });

  it('tells alerting when a missed year follows a missed year', () => {
    const MATH_2_ABSOLUTE: Target = { ...MATH_1, contractYear: 2 };
    // 2025-26: 20 + 20 of 200 is 0.2, short of 0.5 again.
    const twoYears = facts({
      '2023-24': BASELINE,
      '2024-25': [final('proficiency.math', 40, 100), final('proficiency.math', 50, 100)],
      '2025-26': [final('proficiency.math', 20, 100), final('proficiency.math', 20, 100)],
    });
    const changes = judge([contract([], [onRecord(MATH_1), onRecord(MATH_2_ABSOLUTE)])], twoYears).filter(({ table }) => table === 'scorecard_changes');
    expect(changes.map((change) => ('values' in change ? change.values : change))).toEqual([
      expect.objectContaining({ contractYear: 1, status: 'missed', missedYearBefore: false }),
      expect.objectContaining({ contractYear: 2, status: 'missed', missedYearBefore: true }),
    ]);
  });

  it('deletes a line whose target was withdrawn, keeps its removal in the history, and withdraws its status', () => {
    const line = mathLine('missed', 0.45);
    expect(judge([contract([line], [])], MISSED)).toEqual([
      { table: 'scorecard_lines', op: 'delete', key: lineKey },
      { table: 'scorecard_line_history', op: 'upsert', key: { ...lineKey, knownAt: T1 }, values: { ...lineValues(line), removed: true } },
      change({ actual: 0.45, fromStatus: 'missed', status: 'withdrawn', withdrawal: 'target_withdrawn' }),
    ]);
  });

  it("keeps a terminated contract's lines as last judged, marked terminated, and withdraws them once", () => {
    const terminated = mathLine('missed', 0.45, 'terminated');
    const judged = judge([contract([mathLine('missed', 0.45)], [onRecord(MATH_1)], 'terminated')], MET);
    expect(judged).toEqual([
      { table: 'scorecard_lines', op: 'upsert', key: lineKey, values: { ...lineValues(terminated), knownAt: T1 } },
      { table: 'scorecard_line_history', op: 'upsert', key: { ...lineKey, knownAt: T1 }, values: { ...lineValues(terminated), removed: false } },
      change({ actual: 0.45, fromStatus: 'missed', status: 'withdrawn', withdrawal: 'contract_terminated' }),
    ]);
    expect(judge([contract([terminated], [onRecord(MATH_1)], 'terminated')], MET)).toEqual([]);
  });
});
