import { ContractEvent, PerformanceContractSigned, Target } from '../../events/registry-events';
import { contractHistory } from './contract-history';

/** Issue 31: the review's first section says what each change of a contract did, when the service learned of it, and why. */

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
const at = (day: number) => `2024-0${day}-01T00:00:00.000Z`;

describe('the history of a contract', () => {
  it('lists signing, an amendment with the terms it replaced, a renewal and a termination, in order, with reasons', () => {
    const amended: ContractEvent = {
      type: 'ContractTargetsAmended',
      data: {
        contractId: 'K1',
        targets: [
          { ...attendance2, value: 0.94 },
          { ...math1, contractYear: 2, value: 0.1 },
        ],
        remove: [{ metric: 'proficiency.math', contractYear: 1, scope: 'school' }],
        reason: 'the baseline was restated',
        amendment: 1,
      },
    };
    const renewed: ContractEvent = { type: 'ContractRenewed', data: { contractId: 'K1', additionalYears: 2, targets: [{ ...attendance2, contractYear: 4 }] } };
    const terminated: ContractEvent = { type: 'ContractTerminated', data: { contractId: 'K1', reason: 'missed two years in a row' } };
    const history = contractHistory([signed, amended, renewed, terminated].map((event, index) => ({ event, knownAt: at(index + 1) })));
    expect(history).toEqual([
      {
        change: 'signed',
        label: 'signed',
        knownAt: at(1),
        reason: null,
        additionalYears: null,
        targets: [
          { ...math1, before: null },
          { ...attendance2, before: null },
        ],
        removed: [],
      },
      {
        change: 'amended',
        label: 'amendment 1',
        knownAt: at(2),
        reason: 'the baseline was restated',
        additionalYears: null,
        targets: [
          { ...attendance2, value: 0.94, before: { kind: 'absolute', value: 0.92 } },
          { ...math1, contractYear: 2, value: 0.1, before: null },
        ],
        removed: [{ metric: 'proficiency.math', contractYear: 1, scope: 'school' }],
      },
      {
        change: 'renewed',
        label: 'renewal',
        knownAt: at(3),
        reason: null,
        additionalYears: 2,
        targets: [{ ...attendance2, contractYear: 4, before: null }],
        removed: [],
      },
      { change: 'terminated', label: 'terminated', knownAt: at(4), reason: 'missed two years in a row', additionalYears: null, targets: [], removed: [] },
    ]);
  });

  it('names as withdrawn only targets the contract had, and every target a version 1 amendment left out', () => {
    const removesUnknown: ContractEvent = {
      type: 'ContractTargetsAmended',
      data: {
        contractId: 'K1',
        targets: [],
        remove: [
          { metric: 'proficiency.math', contractYear: 1, scope: 'school' },
          { metric: 'attendance_rate', contractYear: 3, scope: 'school' },
        ],
        reason: 'tidy',
        amendment: 1,
      },
    };
    // Version 1 replaced the list: it is read with replacesAll and no number.
    const replacesAll: ContractEvent = {
      type: 'ContractTargetsAmended',
      data: { contractId: 'K1', targets: [{ ...attendance2, value: 0.9 }], remove: [], reason: 'a new plan', replacesAll: true },
    };
    const [, first, second] = contractHistory([signed, removesUnknown, replacesAll].map((event, index) => ({ event, knownAt: at(index + 1) })));
    expect(first.removed).toEqual([{ metric: 'proficiency.math', contractYear: 1, scope: 'school' }]);
    expect([second.label, second.removed, second.targets]).toEqual([
      'amendment',
      [],
      [{ ...attendance2, value: 0.9, before: { kind: 'absolute', value: 0.92 } }],
    ]);
  });

  it('keeps a gap closure goal in the terms it replaced', () => {
    const gap: Target = { metric: 'proficiency.math', contractYear: 1, kind: 'gap_closure', value: 0.2, scope: 'cluster', goal: 'stateAverage' };
    const signedWithGap: PerformanceContractSigned = { ...signed, data: { ...signed.data, targets: [gap] } };
    const amended: ContractEvent = {
      type: 'ContractTargetsAmended',
      data: { contractId: 'K1', targets: [{ ...gap, value: 0.25, goal: 0.8 }], remove: [], reason: 'goal set', amendment: 1 },
    };
    const [, change] = contractHistory([signedWithGap, amended].map((event, index) => ({ event, knownAt: at(index + 1) })));
    expect(change.targets).toEqual([{ ...gap, value: 0.25, goal: 0.8, before: { kind: 'gap_closure', value: 0.2, goal: 'stateAverage' } }]);
  });
});
