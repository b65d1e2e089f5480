import { AlreadyExistsError, IllegalStateError, NotFoundError, ValidationError } from '../../errors';
import {
  ContractEvent,
  ContractRenewed,
  ContractTargetsAmended,
  ContractTerminated,
  PerformanceContractSigned,
  Target,
} from '../../events/registry-events';
import { indicatorCatalogue } from '../../metrics/indicator-catalogue';
import { metricDefinition } from '../../metrics/metric-catalogue';
import { schoolYearOfContractYear } from '../../school-year';
import { exhaustive } from '../aggregate';
import { Cluster } from '../cluster/cluster';
import { Partner } from '../partner/partner';
import { coversYear, School } from '../school/school';
import { Contract } from './contract';

/** `partner`, `cluster` and `schools` (one per schoolId, in order) are their current states. */
export type SignPerformanceContract = {
  type: 'SignPerformanceContract';
  data: PerformanceContractSigned['data'];
  partner: Partner;
  cluster: Cluster;
  schools: School[];
};
export type AmendContractTargets = { type: 'AmendContractTargets'; data: ContractTargetsAmended['data'] };
export type RenewContract = { type: 'RenewContract'; data: ContractRenewed['data'] };
export type TerminateContract = { type: 'TerminateContract'; data: ContractTerminated['data'] };
export type ContractCommand = SignPerformanceContract | AmendContractTargets | RenewContract | TerminateContract;

export function decideContract(command: ContractCommand, state: Contract): ContractEvent[] {
  switch (command.type) {
    case 'SignPerformanceContract':
      return signContract(command, state);

    case 'AmendContractTargets': {
      const contract = activeContract(state, command.data.contractId);
      checkTargetYears(command.data.targets, 1, contract.termYears);
      return [{ type: 'ContractTargetsAmended', data: command.data }];
    }

    case 'RenewContract': {
      const contract = activeContract(state, command.data.contractId);
      checkTargetYears(command.data.targets, contract.termYears + 1, contract.termYears + command.data.additionalYears);
      return [{ type: 'ContractRenewed', data: command.data }];
    }

    case 'TerminateContract':
      activeContract(state, command.data.contractId);
      return [{ type: 'ContractTerminated', data: command.data }];

    default:
      return exhaustive(command);
  }
}

function signContract(command: SignPerformanceContract, state: Contract): ContractEvent[] {
  const { contractId, partnerId, clusterId, schoolIds, governance, startYear, termYears } = command.data;
  if (state.exists) throw new AlreadyExistsError('contract', contractId);
  checkCatalogued(command.data.targets);
  const { partner, cluster } = command;
  if (!partner.exists) throw new NotFoundError('partner', partnerId);
  if (partner.role === 'supporting')
    throw new IllegalStateError(`partner '${partnerId}' is a supporting partner; a performance contract is held by a lead or managing partner`);
  if ((governance === 'managing_partner') !== (partner.role === 'managing'))
    throw new IllegalStateError(
      `governance '${governance}' does not fit partner '${partnerId}' with role '${partner.role}': managing_partner governance goes with a managing partner, the others with a lead partner`,
    );
  if (!cluster.exists) throw new NotFoundError('cluster', clusterId);
  const termYearsList = Array.from({ length: termYears }, (_, index) => schoolYearOfContractYear(startYear, index + 1));
  schoolIds.forEach((schoolId, index) => {
    const school = command.schools[index];
    if (!school?.exists) throw new NotFoundError('school', schoolId);
    const inCluster = school.memberships.some(
      (membership) => membership.clusterId === clusterId && termYearsList.some((year) => coversYear(membership, year)),
    );
    if (!inCluster)
      throw new IllegalStateError(
        `school '${schoolId}' is not a member of cluster '${clusterId}' in any year of the contract term (${termYearsList[0]} to ${termYearsList[termYearsList.length - 1]})`,
      );
  });
  return [{ type: 'PerformanceContractSigned', data: command.data }];
}

function activeContract(state: Contract, contractId: string): Extract<Contract, { exists: true }> {
  if (!state.exists) throw new NotFoundError('contract', contractId);
  if (state.status === 'terminated') throw new IllegalStateError(`contract '${contractId}' is terminated`);
  return state;
}

/**
 * A target may name only a catalogued indicator: nothing else says which way is better
 * (DESIGN.md section 5). Checked when a contract is signed or changed, not in the event's
 * schema, so a stored contract stays readable if a state later drops an entry.
 */
function checkCatalogued(targets: readonly Target[]): void {
  const issues = targets.flatMap((target, index) => {
    const definition = metricDefinition(target.metric);
    if (!definition?.uncatalogued) return [];
    const known = indicatorCatalogue().list().map((entry) => `indicator.${entry.name}`);
    return [
      {
        field: `targets.${index}.metric`,
        message: `indicator '${definition.argument}' is not in the indicator catalogue, so nothing says which way is better: expected ${known.length > 0 ? `one of ${known.join(', ')}` : 'a catalogued indicator'} (a state adds its own in INDICATORS_DIR)`,
      },
    ];
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

function checkTargetYears(targets: readonly Target[], firstYear: number, lastYear: number): void {
  checkCatalogued(targets);
  const issues = targets.flatMap((target, index) =>
    target.contractYear < firstYear || target.contractYear > lastYear
      ? [{ field: `targets.${index}.contractYear`, message: `expected a contract year from ${firstYear} to ${lastYear}` }]
      : [],
  );
  if (issues.length > 0) throw new ValidationError(issues);
}
