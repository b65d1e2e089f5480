import { ContractEvent, Target, TargetKey } from '../../events/registry-events';
import { targetKeyOf, targetOriginOf } from '../../targets/targets-in-force';
import { Contract, contractAggregate } from './contract';

/** A target a change set: its terms, and the terms it replaced when the contract had a target of that metric, year and scope. */
export interface ChangedTarget extends Target {
  before: Pick<Target, 'kind' | 'value' | 'goal'> | null;
}

/**
 * One change of a contract as the record shows it (docs/domain.md, the annual review, the review's first
 * section): signed, amended (with its number and reason), renewed, terminated, and when the
 * service learned of it.
 */
export interface ContractChange {
  change: 'signed' | 'amended' | 'renewed' | 'terminated';
  /** As the contract read names what set a target: `signed`, `amendment 2`, `renewal`; `terminated` for a termination. */
  label: string;
  knownAt: string;
  /** Why, as the state office recorded it (amendments and terminations). */
  reason: string | null;
  /** The years a renewal added. */
  additionalYears: number | null;
  /** The targets the change set, each with the terms it replaced. */
  targets: ChangedTarget[];
  /** The targets it withdrew (named, or left out of a version 1 amendment, which replaced the list). */
  removed: TargetKey[];
}

/**
 * The contract's changes in the order they were recorded, from its stream's events: what each
 * set, replaced and withdrew is read against the contract as it stood before. An amendment
 * never touches a contract year that was final when it was recorded (the decider refuses it);
 * a version 1 amendment, which replaced the list, is shown withdrawing every target it left out,
 * though the read model kept those of final years.
 */
export function contractHistory(events: readonly { event: ContractEvent; knownAt: string }[]): ContractChange[] {
  let contract: Contract = contractAggregate.initialState();
  const changes: ContractChange[] = [];
  for (const { event, knownAt } of events) {
    const before = new Map(contract.exists ? contract.targets.map((target) => [targetKeyOf(target), target]) : []);
    const changed = (targets: readonly Target[]): ChangedTarget[] =>
      targets.map((target) => {
        const was = before.get(targetKeyOf(target));
        return { ...target, before: was ? { kind: was.kind, value: was.value, ...(was.goal === undefined ? {} : { goal: was.goal }) } : null };
      });
    const base = { knownAt, reason: null, additionalYears: null, targets: [], removed: [] };
    switch (event.type) {
      case 'PerformanceContractSigned':
        changes.push({ ...base, change: 'signed', label: targetOriginOf(event), targets: changed(event.data.targets) });
        break;
      case 'ContractTargetsAmended': {
        const named = new Set(event.data.targets.map(targetKeyOf));
        const removed = event.data.replacesAll
          ? [...before.values()].filter((target) => !named.has(targetKeyOf(target)))
          : event.data.remove.filter((key) => before.has(targetKeyOf(key)));
        changes.push({
          ...base,
          change: 'amended',
          label: targetOriginOf(event),
          reason: event.data.reason,
          targets: changed(event.data.targets),
          removed: removed.map(({ metric, contractYear, scope }) => ({ metric, contractYear, scope })),
        });
        break;
      }
      case 'ContractRenewed':
        changes.push({
          ...base,
          change: 'renewed',
          label: targetOriginOf(event),
          additionalYears: event.data.additionalYears,
          targets: changed(event.data.targets),
        });
        break;
      case 'ContractTerminated':
        changes.push({ ...base, change: 'terminated', label: 'terminated', reason: event.data.reason });
        break;
    }
    contract = contractAggregate.evolve(contract, event);
  }
  return changes;
}
