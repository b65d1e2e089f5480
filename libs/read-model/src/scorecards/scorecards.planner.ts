import {
  amendTargets,
  ContractEvent,
  contractScorecard,
  EvaluationRules,
  MetricCatalogues,
  ScorecardFacts,
  ScorecardLine,
  TargetInForce,
  targetKeyOf,
  targetOriginOf,
  TargetStatus,
  WithdrawalReason,
} from '@turnaround/domain';
import { ScorecardRowChange } from './scorecards.tables';

/** A target in force as kept here: since when, and which change set it (null: set before that was kept). */
export interface TargetOnRecord extends TargetInForce {
  setBy: string | null;
}

/**
 * The changes a contract event makes to the contract's targets in force, known from `knownAt`:
 * signed and renewed targets are set; an amendment sets what it names and withdraws what it
 * removes, final years keeping theirs (`amendTargets`). `inForce` and `finalYears` are the
 * contract's as they stood before the event; `amended` is the list an amendment leaves, which
 * the registry's row of the contract lists too.
 */
export function planContractTargets(
  event: ContractEvent,
  knownAt: string,
  inForce: readonly TargetOnRecord[],
  finalYears: ReadonlySet<number>,
): { changes: ScorecardRowChange[]; amended?: TargetOnRecord[] } {
  const { contractId } = event.data;
  const set = (targets: readonly TargetOnRecord[]): ScorecardRowChange[] =>
    targets.map(({ since, setBy, ...target }) => ({
      table: 'scorecard_targets',
      op: 'upsert',
      key: { contractId, scope: target.scope, metric: target.metric, contractYear: target.contractYear },
      values: { target, since, setBy },
    }));
  switch (event.type) {
    case 'PerformanceContractSigned':
    case 'ContractRenewed':
      return { changes: set(event.data.targets.map((target) => ({ ...target, since: knownAt, setBy: targetOriginOf(event) }))) };
    case 'ContractTargetsAmended': {
      const amended = amendTargets(inForce, event.data, finalYears, (target) => ({ ...target, since: knownAt, setBy: targetOriginOf(event) }));
      const kept = new Set(amended.map(targetKeyOf));
      const withdrawn: ScorecardRowChange[] = inForce
        .filter((target) => !kept.has(targetKeyOf(target)))
        .map(({ scope, metric, contractYear }) => ({ table: 'scorecard_targets', op: 'delete', key: { contractId, scope, metric, contractYear } }));
      return { changes: [...withdrawn, ...set(amended)], amended };
    }
    case 'ContractTerminated':
      return { changes: [] }; // the registry keeps the status; the next judgement withdraws the lines
  }
}

/** A line as stored: the domain's line with the target in force behind it and its contract's status. */
export interface StoredLine extends ScorecardLine {
  target: TargetInForce | null;
  contractStatus: 'active' | 'terminated';
}

/** A contract to judge, with its targets in force and its lines as they stand before the judgement. */
export interface ContractToJudge {
  contractId: string;
  partnerId: string;
  clusterId: string;
  schoolIds: string[];
  startYear: string;
  baselineYear: string;
  status: 'active' | 'terminated';
  /** In the order the contract read lists them (contract year, metric, scope). */
  targets: readonly TargetOnRecord[];
  lines: ReadonlyMap<string, StoredLine>;
}

/** What a judgement reads beyond the contracts: the domain's scorecard facts, and each school's district. */
export interface JudgementFacts extends ScorecardFacts {
  districtOf: ReadonlyMap<string, string>;
}

/** A line's key within its contract. */
export const lineKey = (line: Pick<ScorecardLine, 'scope' | 'subjectId' | 'metric' | 'contractYear'>) =>
  `${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`;

/**
 * The rows a judgement at knowledge time `knownAt` changes (docs/domain.md#statuses): each
 * contract's lines judged from the facts (`contractScorecard`) against those stored. A line
 * that changed is written and goes to the history; a stored line whose target is gone is
 * deleted, its removal kept in the history; a terminated contract's lines stay as last
 * judged, marked terminated. Every change of a line's status is kept at `position` in a fixed
 * order (contract, then line), with the districts it concerns and whether the line missed the
 * year before: what alerting turns into alert events. `catalogues`: the process's, which say
 * which way is better for an indicator's target.
 */
export function planJudgement(
  contracts: readonly ContractToJudge[],
  facts: JudgementFacts,
  knownAt: string,
  position: string,
  rules: EvaluationRules,
  catalogues: MetricCatalogues,
): ScorecardRowChange[] {
  const written: ScorecardRowChange[] = [];
  const deleted: ScorecardRowChange[] = [];
  const history: ScorecardRowChange[] = [];
  const changes: ScorecardRowChange[] = [];
  for (const contract of contracts) {
    const write = (line: StoredLine) => {
      const { key, values } = lineRow(contract, line);
      written.push({ table: 'scorecard_lines', op: 'upsert', key, values: { ...values, knownAt } });
      history.push({ table: 'scorecard_line_history', op: 'upsert', key: { ...key, knownAt }, values: { ...values, removed: false } });
    };
    const statusChanged = (
      line: ScorecardLine,
      from: TargetStatus | null,
      status: TargetStatus | 'withdrawn',
      withdrawal: WithdrawalReason | null,
      missed: boolean,
    ) => {
      const schools = line.scope === 'school' ? [line.subjectId] : contract.schoolIds;
      const districtIds = [...new Set(schools.map((schoolId) => facts.districtOf.get(schoolId)).filter((id): id is string => !!id))].sort();
      changes.push({
        table: 'scorecard_changes',
        op: 'upsert',
        key: { position, ordinal: changes.length },
        values: {
          knownAt,
          contractId: contract.contractId,
          partnerId: contract.partnerId,
          districtIds,
          scope: line.scope,
          subjectId: line.subjectId,
          metric: line.metric,
          contractYear: line.contractYear,
          schoolYear: line.schoolYear,
          threshold: line.threshold,
          actual: line.actual,
          fromStatus: from,
          status,
          withdrawal,
          missedYearBefore: missed,
        },
      });
    };
    if (contract.status === 'terminated') {
      // The lines stay as they were last judged, marked terminated; their alerts are withdrawn once.
      for (const [, line] of inKeyOrder(contract.lines)) {
        if (line.contractStatus === 'terminated') continue;
        write({ ...line, contractStatus: 'terminated' });
        statusChanged(line, line.status, 'withdrawn', 'contract_terminated', false);
      }
      continue;
    }
    const lines = contractScorecard(contract, facts, catalogues, rules);
    // A line shows the target in force and since when; which change set it is the contract read's.
    const targetOf = new Map(contract.targets.map(({ setBy: _setBy, ...target }) => [targetKeyOf(target), target]));
    const missed = new Set(lines.filter((line) => line.status === 'missed').map(lineKey));
    const seen = new Set<string>();
    for (const judged of lines) {
      const key = lineKey(judged);
      seen.add(key);
      const line: StoredLine = {
        ...judged,
        target: targetOf.get(targetKeyOf({ ...judged, scope: judged.kind === 'school_majority' ? 'school' : judged.scope })) ?? null,
        contractStatus: 'active',
      };
      const before = contract.lines.get(key);
      if (before && sameLine(before, line)) continue;
      write(line);
      if (before?.status !== line.status)
        statusChanged(line, before?.status ?? null, line.status, null, missed.has(lineKey({ ...line, contractYear: line.contractYear - 1 })));
    }
    for (const [key, line] of inKeyOrder(contract.lines)) {
      if (seen.has(key)) continue;
      const { key: rowKey, values } = lineRow(contract, line);
      deleted.push({ table: 'scorecard_lines', op: 'delete', key: rowKey });
      history.push({ table: 'scorecard_line_history', op: 'upsert', key: { ...rowKey, knownAt }, values: { ...values, removed: true } });
      statusChanged(line, line.status, 'withdrawn', 'target_withdrawn', false);
    }
  }
  return [...written, ...deleted, ...history, ...changes];
}

/** The stored lines in the order of their keys: changes planned from them never depend on the order they were loaded in. */
const inKeyOrder = (lines: ReadonlyMap<string, StoredLine>) => [...lines].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** A line's row in `scorecard_lines`: its key, and every other field but the knowledge time. */
function lineRow(contract: ContractToJudge, line: StoredLine) {
  const { since, ...target } = line.target ?? { since: null };
  return {
    key: { contractId: contract.contractId, scope: line.scope, subjectId: line.subjectId, metric: line.metric, contractYear: line.contractYear },
    values: {
      partnerId: contract.partnerId,
      clusterId: contract.clusterId,
      contractStatus: line.contractStatus,
      schoolYear: line.schoolYear,
      kind: line.kind,
      status: line.status,
      threshold: line.threshold,
      baseline: line.baseline,
      actual: line.actual,
      evidence: line.evidence,
      reason: line.reason ?? null,
      schoolsCounted: line.schools?.counted ?? null,
      schoolsMissed: line.schools?.missed ?? null,
      target: line.target ? target : null,
      targetSince: since,
    },
  };
}

function sameLine(a: StoredLine, b: StoredLine): boolean {
  return (
    a.schoolYear === b.schoolYear &&
    a.kind === b.kind &&
    a.status === b.status &&
    a.threshold === b.threshold &&
    a.baseline === b.baseline &&
    a.actual === b.actual &&
    a.evidence === b.evidence &&
    (a.reason ?? null) === (b.reason ?? null) &&
    (a.schools?.counted ?? null) === (b.schools?.counted ?? null) &&
    (a.schools?.missed ?? null) === (b.schools?.missed ?? null) &&
    JSON.stringify(a.target) === JSON.stringify(b.target) &&
    a.contractStatus === b.contractStatus
  );
}
