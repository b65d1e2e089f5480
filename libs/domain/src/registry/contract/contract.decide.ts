import { AlreadyExistsError, FieldIssue, IllegalStateError, NotFoundError, ValidationError } from '../../errors';
import {
  ContractEvent,
  ContractRenewed,
  ContractTargetsAmended,
  ContractTerminated,
  PerformanceContractSigned,
  Target,
  TargetAmendment,
  TargetKey,
  targetTermIssues,
} from '../../events/registry-events';
import { MetricCatalogues, metricDefinition } from '../../metrics/metric-catalogue';
import { requireCataloguedMetrics } from '../../metrics/metric-names';
import { SchoolYear, schoolYearOfContractYear } from '../../school-year';
import { targetKeyOf } from '../../targets/targets-in-force';
import { exhaustive } from '../aggregate';
import { Cluster } from '../cluster/cluster';
import { Partner } from '../partner/partner';
import { coversYear, School } from '../school/school';
import { Contract } from './contract';

/**
 * Another contract that lists one of the schools: its term, which ends early with the school
 * year it was terminated in (`terminatedIn`).
 */
export interface CoveringContract {
  contractId: string;
  schoolIds: readonly string[];
  startYear: SchoolYear;
  termYears: number;
  terminatedIn?: SchoolYear;
}

/**
 * `partner`, `cluster` and `schools` (one per schoolId, in order) are their current states;
 * `otherContracts`, every other contract that lists one of the schools; `catalogues`, the
 * service's, which the targets' metrics must be in (`checkCatalogued`).
 */
export type SignPerformanceContract = {
  type: 'SignPerformanceContract';
  data: PerformanceContractSigned['data'];
  partner: Partner;
  cluster: Cluster;
  schools: School[];
  otherContracts: readonly CoveringContract[];
  catalogues: MetricCatalogues;
};
/** `finalYears`: the contract years that have a final result (the scorecard knows them), whose targets no longer change. */
export type AmendContractTargets = { type: 'AmendContractTargets'; data: TargetAmendment; finalYears: readonly number[]; catalogues: MetricCatalogues };
/** `otherContracts`: every other contract that lists one of the contract's schools. */
export type RenewContract = {
  type: 'RenewContract';
  data: ContractRenewed['data'];
  otherContracts: readonly CoveringContract[];
  catalogues: MetricCatalogues;
};
export type TerminateContract = { type: 'TerminateContract'; data: ContractTerminated['data'] };
export type ContractCommand = SignPerformanceContract | AmendContractTargets | RenewContract | TerminateContract;

export function decideContract(command: ContractCommand, state: Contract): ContractEvent[] {
  switch (command.type) {
    case 'SignPerformanceContract':
      return signContract(command, state);

    case 'AmendContractTargets':
      return amendContract(command, state);

    case 'RenewContract': {
      const { contractId, additionalYears } = command.data;
      const contract = activeContract(state, contractId);
      checkTargetYears(command.data.targets, contract.termYears + 1, contract.termYears + additionalYears, command.catalogues);
      const addedYears = Array.from({ length: additionalYears }, (_, index) => schoolYearOfContractYear(contract.startYear, contract.termYears + index + 1));
      checkNoOtherContract(contractId, contract.schoolIds, addedYears, command.otherContracts);
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
  checkCatalogued(command.data.targets, command.catalogues);
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
    const inCluster = school.memberships.some((membership) => membership.clusterId === clusterId && termYearsList.some((year) => coversYear(membership, year)));
    if (!inCluster)
      throw new IllegalStateError(
        `school '${schoolId}' is not a member of cluster '${clusterId}' in any year of the contract term (${termYearsList[0]} to ${termYearsList[termYearsList.length - 1]})`,
      );
  });
  checkNoOtherContract(contractId, schoolIds, termYearsList, command.otherContracts);
  return [{ type: 'PerformanceContractSigned', data: command.data }];
}

/**
 * An amendment adds or changes the targets it sets and removes those it names; the rest stay
 * (docs/domain.md#statuses). A final year's targets were judged as they stand, so an amendment
 * that names one is refused whole, naming the year: nothing of it is recorded.
 */
function amendContract(command: AmendContractTargets, state: Contract): ContractEvent[] {
  const { contractId, targets, remove } = command.data;
  const contract = activeContract(state, contractId);
  checkTargetYears(targets, 1, contract.termYears, command.catalogues);
  const finalYears = new Set(command.finalYears);
  const final = [...targets, ...remove].filter((target) => finalYears.has(target.contractYear));
  if (final.length > 0) {
    const years = [...new Set(final.map((target) => target.contractYear))].sort((a, b) => a - b);
    throw new IllegalStateError(
      `${years.map((year) => `contract year ${year} (${schoolYearOfContractYear(contract.startYear, year)})`).join(' and ')} of contract '${contractId}' ${years.length > 1 ? 'are' : 'is'} final: ` +
        `its targets were judged as they stand and cannot change or be removed (${final.map(describeTarget).join(', ')})`,
    );
  }
  const inForce = new Set(contract.targets.map(targetKeyOf));
  const issues = remove.flatMap((key, index) =>
    inForce.has(targetKeyOf(key)) ? [] : [{ field: `remove.${index}`, message: `expected a target of the contract: it has none for ${describeTarget(key)}` }],
  );
  if (issues.length > 0) throw new ValidationError(issues);
  const amended: ContractTargetsAmended = {
    type: 'ContractTargetsAmended',
    data: { contractId, targets, remove, reason: command.data.reason, amendment: contract.amendments + 1 },
  };
  return [amended];
}

function describeTarget(target: TargetKey): string {
  return `${target.metric} of contract year ${target.contractYear} (${target.scope})`;
}

/** The school years a contract covers its schools in: its term, up to the school year it was terminated in. */
export function yearsCovered(contract: CoveringContract): SchoolYear[] {
  const term = Array.from({ length: contract.termYears }, (_, index) => schoolYearOfContractYear(contract.startYear, index + 1));
  const { terminatedIn } = contract;
  return terminatedIn === undefined ? term : term.filter((year) => year <= terminatedIn);
}

/**
 * Two contracts may not cover one school in the same school year, unless the first has ended:
 * terminated before that year, or its term over (docs/domain.md#statuses). `years` are the school
 * years the contract would cover `schoolIds` in (its term when signed, the added years when renewed).
 */
function checkNoOtherContract(contractId: string, schoolIds: readonly string[], years: readonly SchoolYear[], others: readonly CoveringContract[]): void {
  for (const other of others) {
    if (other.contractId === contractId) continue;
    const covered = new Set(yearsCovered(other));
    const year = years.find((candidate) => covered.has(candidate));
    const schoolId = schoolIds.find((candidate) => other.schoolIds.includes(candidate));
    if (year !== undefined && schoolId !== undefined)
      throw new IllegalStateError(
        `school '${schoolId}' is covered by contract '${other.contractId}' in ${year}: two contracts may not cover one school in the same school year ` +
          `unless the first has ended (terminated before that year, or its term over)`,
      );
  }
}

function activeContract(state: Contract, contractId: string): Extract<Contract, { exists: true }> {
  if (!state.exists) throw new NotFoundError('contract', contractId);
  if (state.status === 'terminated') throw new IllegalStateError(`contract '${contractId}' is terminated`);
  return state;
}

/**
 * A target may name only a catalogued metric: an uncatalogued indicator has nothing to say
 * which way is better, and a subject outside the catalogue (`proficiency.maths`) is most likely
 * a typo whose target would stay pending for ever. Checked when a contract is signed or
 * changed, not in the event's schema, so a stored contract stays readable if a state later
 * drops an entry. So are a catalogued indicator's terms: its kind says whether its values are
 * a rate's, and its direction whether a gap closure needs a goal.
 */
function checkCatalogued(targets: readonly Target[], catalogues: MetricCatalogues): void {
  requireCataloguedMetrics(
    targets.map((target, index) => ({ field: `targets.${index}.metric`, metric: target.metric })),
    catalogues,
  );
  const issues = targets.flatMap((target, index): FieldIssue[] => {
    const definition = metricDefinition(target.metric, catalogues);
    if (definition?.source !== 'indicator' || definition.uncatalogued) return [];
    return targetTermIssues(target, definition).map(({ path, message }) => ({ field: `targets.${index}.${path}`, message }));
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

function checkTargetYears(targets: readonly Target[], firstYear: number, lastYear: number, catalogues: MetricCatalogues): void {
  checkCatalogued(targets, catalogues);
  const issues = targets.flatMap((target, index) =>
    target.contractYear < firstYear || target.contractYear > lastYear
      ? [{ field: `targets.${index}.contractYear`, message: `expected a contract year from ${firstYear} to ${lastYear}` }]
      : [],
  );
  if (issues.length > 0) throw new ValidationError(issues);
}
