import { IllegalStateError, ValidationError } from '../../errors';
import { parseWith } from '../../events/event-catalogue';
import { ContractEvent, contractTargetsAmended, PerformanceContractSigned, Target, targetAmendmentSchema } from '../../events/registry-events';
import { testCatalogues } from '../../testing/catalogues';
import { given } from '../../testing/given-when-then';
import { fold } from '../aggregate';
import { School } from '../school/school';
import { contractAggregate } from './contract';
import { AmendContractTargets, CoveringContract, decideContract, SignPerformanceContract, yearsCovered } from './contract.decide';

/**
 * Issue 28: an amendment changes what it names and no more; a final year's targets are refused
 * with a 409 naming the year; two contracts may not cover one school in the same school year.
 */

const math1: Target = { metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' };
const attendance2: Target = { metric: 'attendance_rate', contractYear: 2, kind: 'absolute', value: 0.92, scope: 'cluster' };
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
    targets: [math1, attendance2],
  },
};
const amend = (data: Partial<AmendContractTargets['data']>, finalYears: number[] = []): AmendContractTargets => ({
  type: 'AmendContractTargets',
  data: { contractId: 'K1', targets: [], remove: [], reason: 'renegotiated', ...data },
  finalYears,
  catalogues: testCatalogues(),
});
const targetsAfter = (events: ContractEvent[]) => {
  const state = fold(contractAggregate, events);
  return state.exists ? state.targets : [];
};

describe('contract targets amended: what it names, and no more', () => {
  it('adds or changes the targets it names and leaves the others in force', () => {
    const math2: Target = { ...math1, contractYear: 2, value: 0.1 };
    const changed: Target = { ...attendance2, value: 0.94 };
    const amended: ContractEvent = {
      type: 'ContractTargetsAmended',
      data: { contractId: 'K1', targets: [math2, changed], remove: [], reason: 'renegotiated', amendment: 1 },
    };
    given(contractAggregate, decideContract, [signed])
      .when(amend({ targets: [math2, changed] }))
      .then([amended]);
    // year 1's math target, which the amendment does not name, stays
    expect(targetsAfter([signed, amended])).toEqual([math1, changed, math2]);
  });

  it('removes a target only when it lists it in remove', () => {
    const amended: ContractEvent = {
      type: 'ContractTargetsAmended',
      data: { contractId: 'K1', targets: [], remove: [{ metric: 'attendance_rate', contractYear: 2, scope: 'cluster' }], reason: 'renegotiated', amendment: 1 },
    };
    given(contractAggregate, decideContract, [signed])
      .when(amend({ remove: [{ metric: 'attendance_rate', contractYear: 2, scope: 'cluster' }] }))
      .then([amended]);
    expect(targetsAfter([signed, amended])).toEqual([math1]);
  });

  it('refuses a removal of a target the contract does not have, naming the field', () => {
    given(contractAggregate, decideContract, [signed])
      .when(amend({ remove: [{ metric: 'attendance_rate', contractYear: 2, scope: 'school' }] }))
      .thenThrows(ValidationError, /remove\.0: expected a target of the contract: it has none for attendance_rate of contract year 2 \(school\)/);
  });

  it('refuses, naming the year, an amendment that changes or removes a target of a final year', () => {
    given(contractAggregate, decideContract, [signed])
      .when(amend({ targets: [{ ...math1, value: 0.01 }] }, [1]))
      .thenThrows(IllegalStateError, /contract year 1 \(2023-24\) of contract 'K1' is final: .*proficiency\.math of contract year 1 \(school\)/);
    given(contractAggregate, decideContract, [signed])
      .when(amend({ remove: [{ metric: 'proficiency.math', contractYear: 1, scope: 'school' }] }, [1]))
      .thenThrows(IllegalStateError, /contract year 1 \(2023-24\) of contract 'K1' is final/);
    // one target of a final year refuses the whole amendment: nothing of it is recorded
    given(contractAggregate, decideContract, [signed])
      .when(
        amend(
          {
            targets: [
              { ...attendance2, value: 0.95 },
              { ...math1, value: 0.01 },
            ],
          },
          [1, 2],
        ),
      )
      .thenThrows(IllegalStateError, /contract year 1 \(2023-24\) and contract year 2 \(2024-25\) of contract 'K1' are final/);
    // adding a target to a final year is a change of what it was judged by, too
    given(contractAggregate, decideContract, [signed])
      .when(amend({ targets: [{ ...math1, metric: 'proficiency.ela' }] }, [1]))
      .thenThrows(IllegalStateError, /contract year 1 \(2023-24\) of contract 'K1' is final/);
    // a year not final takes the amendment
    given(contractAggregate, decideContract, [signed])
      .when(amend({ targets: [{ ...attendance2, value: 0.95 }] }, [1]))
      .then([
        {
          type: 'ContractTargetsAmended',
          data: { contractId: 'K1', targets: [{ ...attendance2, value: 0.95 }], remove: [], reason: 'renegotiated', amendment: 1 },
        },
      ]);
  });

  it("numbers each amendment along the contract's stream, one stored as version 1 included", () => {
    // a v1 amendment as the store hands it back after upcasting: it replaced the list
    const v1: ContractEvent = {
      type: 'ContractTargetsAmended',
      data: { contractId: 'K1', targets: [attendance2], remove: [], reason: 'first', replacesAll: true },
    };
    expect(targetsAfter([signed, v1])).toEqual([attendance2]);
    given(contractAggregate, decideContract, [signed, v1])
      .when(amend({ targets: [math1] }))
      .then([{ type: 'ContractTargetsAmended', data: { contractId: 'K1', targets: [math1], remove: [], reason: 'renegotiated', amendment: 2 } }]);
  });
});

describe('the amendment the API takes', () => {
  const parse = (body: object) => () => parseWith(targetAmendmentSchema, { contractId: 'K1', reason: 'renegotiated', ...body });

  it('takes targets to set and targets to remove, each optional', () => {
    expect(parse({ targets: [math1] })()).toEqual({ contractId: 'K1', targets: [math1], remove: [], reason: 'renegotiated' });
    expect(parse({ remove: [{ metric: 'proficiency.math', contractYear: 1, scope: 'school' }] })()).toMatchObject({ targets: [] });
  });

  it('refuses an empty amendment, a target both set and removed, and the fields only the service sets', () => {
    expect(parse({})).toThrow(/targets: expected at least one target to add or change, or one in remove/);
    expect(parse({ targets: [math1], remove: [{ metric: 'proficiency.math', contractYear: 1, scope: 'school' }] })).toThrow(
      /remove\.0: expected a target either set or removed/,
    );
    expect(parse({ targets: [math1], replacesAll: true })).toThrow(/replacesAll: unknown field/);
    expect(parse({ targets: [math1], amendment: 3 })).toThrow(/amendment: unknown field/);
    expect(parse({ remove: [{ metric: 'proficiency.math', contractYear: 0, scope: 'district' }] })).toThrow(
      /remove\.0\.contractYear: expected contract year 1 or later.*remove\.0\.scope/,
    );
  });

  it('stores version 2; a stored version 1 payload still reads', () => {
    expect(contractTargetsAmended.schemaVersion).toBe(2);
    expect(() => parseWith(contractTargetsAmended.schema, { contractId: 'K1', targets: [], remove: [], reason: 'x', replacesAll: true })).not.toThrow();
  });
});

describe('two contracts may not cover one school in the same school year', () => {
  const member = (schoolId: string): School => ({
    exists: true,
    schoolId,
    districtId: 'D1',
    name: schoolId,
    gradeSpan: '06-08',
    memberships: [{ clusterId: 'C1', fromYear: '2020-21', strategy: 'transformation' }],
  });
  // K0 held cluster C1 from 2021-22 for 3 years (to 2023-24), S2 among its schools
  const k0: CoveringContract = { contractId: 'K0', schoolIds: ['S9', 'S2'], startYear: '2021-22', termYears: 3 };
  const sign = (otherContracts: CoveringContract[], data: Partial<PerformanceContractSigned['data']> = {}): SignPerformanceContract => ({
    type: 'SignPerformanceContract',
    data: { ...signed.data, ...data },
    partner: { exists: true, partnerId: 'P1', name: 'Partner', role: 'lead' },
    cluster: { exists: true, clusterId: 'C1', zoneId: 'Z1', name: 'Central' },
    schools: [member('S1'), member('S2')],
    otherContracts,
    catalogues: testCatalogues(),
  });

  it('covers its term, and when terminated up to the school year it was terminated in', () => {
    expect(yearsCovered(k0)).toEqual(['2021-22', '2022-23', '2023-24']);
    expect(yearsCovered({ ...k0, terminatedIn: '2022-23' })).toEqual(['2021-22', '2022-23']);
  });

  it('refuses to sign a contract for a school another contract covers that year, naming the contract, the school and the year', () => {
    // K1 starts in 2023-24, the last year of K0's term
    given(contractAggregate, decideContract, [])
      .when(sign([k0]))
      .thenThrows(IllegalStateError, /school 'S2' is covered by contract 'K0' in 2023-24/);
    // terminated during 2023-24, K0 still covered that year
    given(contractAggregate, decideContract, [])
      .when(sign([{ ...k0, terminatedIn: '2023-24' }]))
      .thenThrows(IllegalStateError, /contract 'K0' in 2023-24/);
  });

  it('signs once the first has ended: its term over, or terminated the year before', () => {
    given(contractAggregate, decideContract, [])
      .when(sign([k0], { startYear: '2024-25', baselineYear: '2023-24' }))
      .then([{ ...signed, data: { ...signed.data, startYear: '2024-25', baselineYear: '2023-24' } }]);
    given(contractAggregate, decideContract, [])
      .when(sign([{ ...k0, terminatedIn: '2022-23' }]))
      .then([signed]);
    // another contract of other schools is no conflict
    given(contractAggregate, decideContract, [])
      .when(sign([{ ...k0, schoolIds: ['S9'] }]))
      .then([signed]);
  });

  it('refuses a renewal whose added years another contract already covers', () => {
    // K1 runs 2023-24 to 2025-26; K2 takes S1 from 2026-27; renewing K1 by a year would cover S1 in 2026-27 too
    const k2: CoveringContract = { contractId: 'K2', schoolIds: ['S1'], startYear: '2026-27', termYears: 3 };
    const renew = (otherContracts: CoveringContract[]) => ({
      type: 'RenewContract' as const,
      data: { contractId: 'K1', additionalYears: 1, targets: [] },
      otherContracts,
      catalogues: testCatalogues(),
    });
    given(contractAggregate, decideContract, [signed])
      .when(renew([k2]))
      .thenThrows(IllegalStateError, /school 'S1' is covered by contract 'K2' in 2026-27/);
    given(contractAggregate, decideContract, [signed])
      .when(renew([{ ...k2, startYear: '2027-28' }]))
      .then([{ type: 'ContractRenewed', data: { contractId: 'K1', additionalYears: 1, targets: [] } }]);
  });
});
