import { ContractTargetsAmended, Target, TargetKey } from '../events/registry-events';

/** A contract target with the knowledge time from which it is in force (docs/domain.md#statuses). */
export interface TargetInForce extends Target {
  since: string;
}

export function targetKeyOf(target: Pick<Target, 'scope' | 'metric' | 'contractYear'>): string {
  return `${target.scope}|${target.metric}|${target.contractYear}`;
}

/** What an amendment changes: the targets it sets (adds or changes), those it removes, and whether it replaced the list (a v1 amendment). */
export type TargetChanges = Pick<ContractTargetsAmended['data'], 'targets' | 'remove' | 'replacesAll'>;

/**
 * `ContractTargetsAmended`: a target is keyed by (metric, contract year, scope); the amendment
 * adds or changes the targets it sets, withdraws those it removes, and leaves every other
 * target as it was. A final year keeps the targets it was judged by: nothing of it is added,
 * changed or removed (the decider refuses such an amendment; this guard holds for one recorded
 * before the year's final result reached the decider). An amendment stored as version 1
 * (`replacesAll`) replaced the list: every target of a year not yet final that it leaves out
 * is withdrawn.
 *
 * `stamp` makes a target set by this amendment (its knowledge time, which amendment); a
 * target set again as it was keeps its own. A contract year is final once any of its lines
 * has its final result (the caller knows which from the scorecard as it stood before).
 */
export function amendTargets<T extends Target>(
  inForce: readonly T[],
  amendment: TargetChanges,
  finalYears: ReadonlySet<number>,
  stamp: (target: Target) => T,
): T[] {
  const open = (target: TargetKey) => !finalYears.has(target.contractYear);
  const set = new Map(amendment.targets.filter(open).map((target) => [targetKeyOf(target), target]));
  const removed = new Set(amendment.remove.filter(open).map(targetKeyOf));
  const amended: T[] = [];
  for (const target of inForce) {
    const key = targetKeyOf(target);
    const next = set.get(key);
    set.delete(key);
    if (!open(target)) amended.push(target);
    else if (next) amended.push(sameTarget(target, next) ? target : stamp(next));
    else if (!removed.has(key) && !amendment.replacesAll) amended.push(target);
  }
  return [...amended, ...[...set.values()].map(stamp)];
}

/**
 * Which change set a target in force, as the contract read shows it: `signed`, `amendment 2`
 * (the number the amendment carries), `renewal`; `amendment` alone for one stored as version 1,
 * which had no number.
 */
export function targetOriginOf(
  event: { type: 'PerformanceContractSigned' } | { type: 'ContractRenewed' } | Pick<ContractTargetsAmended, 'type' | 'data'>,
): string {
  if (event.type === 'PerformanceContractSigned') return 'signed';
  if (event.type === 'ContractRenewed') return 'renewal';
  return event.data.amendment === undefined ? 'amendment' : `amendment ${event.data.amendment}`;
}

function sameTarget(a: Target, b: Target): boolean {
  return a.kind === b.kind && a.value === b.value && a.goal === b.goal;
}
