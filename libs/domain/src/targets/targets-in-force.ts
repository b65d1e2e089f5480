import { Target } from '../events/registry-events';

/** A contract target with the knowledge time from which it is in force (DESIGN.md section 7). */
export interface TargetInForce extends Target {
  since: string;
}

export function targetKeyOf(target: Pick<Target, 'scope' | 'metric' | 'contractYear'>): string {
  return `${target.scope}|${target.metric}|${target.contractYear}`;
}

/**
 * `ContractTargetsAmended` at `at`: the amended list replaces the targets of the contract years
 * that are not yet final; a final year keeps the targets it was judged by. A target the
 * amendment leaves as it was keeps its `since`. A contract year is final once any of its lines
 * has its final result (the caller knows which from the scorecard as it stood before `at`).
 */
export function amendTargets(inForce: readonly TargetInForce[], amended: readonly Target[], finalYears: ReadonlySet<number>, at: string): TargetInForce[] {
  const before = new Map(inForce.map((target) => [targetKeyOf(target), target]));
  const kept = inForce.filter((target) => finalYears.has(target.contractYear));
  const changed = amended
    .filter((target) => !finalYears.has(target.contractYear))
    .map((target) => {
      const previous = before.get(targetKeyOf(target));
      return previous && sameTarget(previous, target) ? previous : { ...target, since: at };
    });
  return [...kept, ...changed];
}

function sameTarget(a: Target, b: Target): boolean {
  return a.kind === b.kind && a.value === b.value && a.goal === b.goal;
}
