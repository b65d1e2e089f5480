import { IllegalStateError, NotFoundError, ValidationError } from '../../errors';
import { parseWith } from '../../events/event-catalogue';
import { ContractEvent, PerformanceContractSigned, performanceContractSigned } from '../../events/registry-events';
import { testCatalogues } from '../../testing/catalogues';
import { given } from '../../testing/given-when-then';
import { Cluster } from '../cluster/cluster';
import { Partner } from '../partner/partner';
import { School } from '../school/school';
import { contractAggregate } from './contract';
import { decideContract, SignPerformanceContract } from './contract.decide';

const lead: Partner = { exists: true, partnerId: 'P1', name: 'Empower Schools', role: 'lead' };
const cluster: Cluster = { exists: true, clusterId: 'C1', zoneId: 'Z1', name: 'Central' };
const memberOfC1 = (schoolId: string, fromYear = '2022-23'): School => ({
  exists: true,
  schoolId,
  districtId: 'D1',
  name: schoolId,
  gradeSpan: '06-08',
  memberships: [{ clusterId: 'C1', fromYear, strategy: 'transformation' }],
});

const signed: PerformanceContractSigned = {
  type: 'PerformanceContractSigned',
  data: {
    contractId: 'K1',
    partnerId: 'P1',
    clusterId: 'C1',
    schoolIds: ['S1', 'S2'],
    governance: 'district_lead_partner',
    startYear: '2023-24',
    termYears: 3,
    baselineYear: '2022-23',
    targets: [
      { metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' },
      { metric: 'attendance_rate', contractYear: 2, kind: 'absolute', value: 0.92, scope: 'cluster' },
    ],
  },
};

const catalogues = testCatalogues();
const sign = (overrides: Partial<SignPerformanceContract> = {}): SignPerformanceContract => ({
  type: 'SignPerformanceContract',
  data: signed.data,
  partner: lead,
  cluster,
  schools: [memberOfC1('S1'), memberOfC1('S2')],
  otherContracts: [],
  catalogues,
  ...overrides,
});

describe('performance contract', () => {
  it('is signed by a lead partner for schools of its cluster', () => {
    given(contractAggregate, decideContract, []).when(sign()).then([signed]);
  });

  it('accepts a school that joins the cluster in contract year 2', () => {
    given(contractAggregate, decideContract, [])
      .when(sign({ schools: [memberOfC1('S1'), memberOfC1('S2', '2024-25')] }))
      .then([signed]);
  });

  it('rejects a school that is not in the cluster during the term', () => {
    given(contractAggregate, decideContract, [])
      .when(sign({ schools: [memberOfC1('S1'), memberOfC1('S2', '2026-27')] }))
      .thenThrows(IllegalStateError, /school 'S2' is not a member of cluster 'C1' in any year of the contract term \(2023-24 to 2025-26\)/);
  });

  it('rejects unknown partners, clusters and schools', () => {
    given(contractAggregate, decideContract, [])
      .when(sign({ partner: { exists: false } }))
      .thenThrows(NotFoundError, /partner 'P1'/);
    given(contractAggregate, decideContract, [])
      .when(sign({ cluster: { exists: false } }))
      .thenThrows(NotFoundError, /cluster 'C1'/);
    given(contractAggregate, decideContract, [])
      .when(sign({ schools: [memberOfC1('S1'), { exists: false }] }))
      .thenThrows(NotFoundError, /school 'S2'/);
  });

  it('is never held by a supporting partner, and governance fits the partner role', () => {
    given(contractAggregate, decideContract, [])
      .when(sign({ partner: { ...lead, role: 'supporting' } }))
      .thenThrows(IllegalStateError, /supporting partner/);
    given(contractAggregate, decideContract, [])
      .when(sign({ data: { ...signed.data, governance: 'managing_partner' } }))
      .thenThrows(IllegalStateError, /managing_partner governance goes with a managing partner/);
  });

  it('amends its targets inside the term only', () => {
    const targets = [{ metric: 'proficiency.ela', contractYear: 4, kind: 'absolute' as const, value: 0.4, scope: 'school' as const }];
    given(contractAggregate, decideContract, [signed])
      .when({ type: 'AmendContractTargets', data: { contractId: 'K1', targets, remove: [], reason: 'new state test' }, finalYears: [], catalogues })
      .thenThrows(ValidationError, /targets.0.contractYear: expected a contract year from 1 to 3/);
  });

  it('is renewed with targets for the added years, after which they can be amended', () => {
    const year4 = { metric: 'proficiency.ela', contractYear: 4, kind: 'absolute' as const, value: 0.4, scope: 'school' as const };
    const renewed: ContractEvent = { type: 'ContractRenewed', data: { contractId: 'K1', additionalYears: 2, targets: [year4] } };
    given(contractAggregate, decideContract, [signed]).when({ type: 'RenewContract', data: renewed.data, otherContracts: [], catalogues }).then([renewed]);
    given(contractAggregate, decideContract, [signed])
      .when({ type: 'RenewContract', data: { ...renewed.data, targets: [{ ...year4, contractYear: 3 }] }, otherContracts: [], catalogues })
      .thenThrows(ValidationError, /expected a contract year from 4 to 5/);
    given(contractAggregate, decideContract, [signed, renewed])
      .when({
        type: 'AmendContractTargets',
        data: { contractId: 'K1', targets: [{ ...year4, contractYear: 5 }], remove: [], reason: 'renewal' },
        finalYears: [],
        catalogues,
      })
      .then([
        { type: 'ContractTargetsAmended', data: { contractId: 'K1', targets: [{ ...year4, contractYear: 5 }], remove: [], reason: 'renewal', amendment: 1 } },
      ]);
  });

  it('takes no command once terminated', () => {
    const terminated: ContractEvent = { type: 'ContractTerminated', data: { contractId: 'K1', reason: 'partner withdrew' } };
    given(contractAggregate, decideContract, [signed]).when({ type: 'TerminateContract', data: terminated.data }).then([terminated]);
    given(contractAggregate, decideContract, [signed, terminated])
      .when({ type: 'TerminateContract', data: terminated.data })
      .thenThrows(IllegalStateError, /contract 'K1' is terminated/);
    given(contractAggregate, decideContract, [])
      .when({ type: 'TerminateContract', data: terminated.data })
      .thenThrows(NotFoundError, /contract 'K1'/);
  });
});

describe('performance contract schema', () => {
  const parse = (data: unknown) => () => parseWith(performanceContractSigned.schema, data);

  it('takes a term of 3 to 5 years and a baseline before the start year', () => {
    expect(parse({ ...signed.data, termYears: 6 })).toThrow(/termYears: expected a term of 3 to 5 years/);
    expect(parse({ ...signed.data, baselineYear: '2023-24' })).toThrow(/baselineYear: expected a school year before the start year 2023-24/);
    expect(parse({ ...signed.data, startYear: '2023-2024' })).toThrow(/startYear: expected a school year written YYYY-YY/);
  });

  it('takes 1 to 5 distinct schools', () => {
    expect(parse({ ...signed.data, schoolIds: [] })).toThrow(/schoolIds: expected 1 to 5 schools/);
    expect(parse({ ...signed.data, schoolIds: ['A', 'B', 'C', 'D', 'E', 'F'] })).toThrow(/expected 1 to 5 schools/);
    expect(parse({ ...signed.data, schoolIds: ['A', 'A'] })).toThrow(/expected each school once/);
  });

  it('checks each target: a known metric, a year inside the term, a value that fits its kind', () => {
    const withTarget = (target: object) => parse({ ...signed.data, targets: [{ contractYear: 1, scope: 'school', ...target }] });
    expect(withTarget({ metric: 'happiness', kind: 'absolute', value: 0.5 })).toThrow(/targets.0.metric: expected a known metric: proficiency.\{subject\}/);
    expect(withTarget({ metric: 'attendance_rate', kind: 'absolute', value: 92 })).toThrow(/targets.0.value: expected a rate between 0 and 1/);
    expect(withTarget({ metric: 'attendance_rate', kind: 'non_proficient_reduction', value: 0.2 })).toThrow(
      /targets.0.kind: non_proficient_reduction applies to proficiency metrics only/,
    );
    expect(withTarget({ metric: 'proficiency.math', kind: 'gap_closure', value: 0, goal: 'stateAverage' })).toThrow(
      /targets.0.value: expected the share of the gap/,
    );
    expect(withTarget({ metric: 'proficiency.math', kind: 'gain', value: 0.05, goal: 0.9 })).toThrow(/targets.0.goal: a goal is only taken by gap_closure/);
    expect(parse({ ...signed.data, targets: [{ ...signed.data.targets[0], contractYear: 4 }] })).toThrow(
      /targets.0.contractYear: expected a contract year inside the 3-year term/,
    );
    expect(parse({ ...signed.data, targets: [signed.data.targets[0], signed.data.targets[0]] })).toThrow(
      /expected at most one target per metric, contract year and scope/,
    );
    expect(withTarget({ metric: 'proficiency.math', kind: 'gap_closure', value: 0.5, goal: 'stateAverage' })).not.toThrow();
    expect(withTarget({ metric: 'scale_score.ela', kind: 'absolute', value: 301 })).not.toThrow();
  });

  it('rejects fields it does not know', () => {
    expect(parse({ ...signed.data, sponsor: 'x' })).toThrow(/sponsor: unknown field/);
  });
});
