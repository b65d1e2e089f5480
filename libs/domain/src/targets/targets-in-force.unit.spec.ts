import { parseEvent } from '../events/event-catalogue';
import { Target } from '../events/registry-events';
import { amendTargets, TargetChanges, TargetInForce, targetOriginOf } from './targets-in-force';

const target = (contractYear: number, value: number, metric = 'proficiency.math'): Target => ({ metric, contractYear, kind: 'gain', value, scope: 'school' });
const signedAt = '2024-07-01T00:00:00.000Z';
const signed: TargetInForce[] = [target(1, 0.05), target(2, 0.1), target(3, 0.15)].map((t) => ({ ...t, since: signedAt }));
const at = '2025-09-01T00:00:00.000Z';
const stamp = (t: Target): TargetInForce => ({ ...t, since: at });
const changes = (partial: Partial<TargetChanges>): TargetChanges => ({ targets: [], remove: [], ...partial });
const listed = (targets: readonly TargetInForce[]) => targets.map((t) => `${t.metric} ${t.contractYear} ${t.value} ${t.since}`);

describe('contract targets amended (docs/domain.md#statuses)', () => {
  it('adds or changes the targets the amendment names, keyed by metric, contract year and scope, and leaves the rest alone', () => {
    // issue 28: one target amended used to withdraw every other target of the years not yet final
    const amended = amendTargets(signed, changes({ targets: [target(2, 0.02), target(2, 0.9, 'attendance_rate')] }), new Set(), stamp);
    expect(listed(amended)).toEqual([
      `proficiency.math 1 0.05 ${signedAt}`,
      `proficiency.math 2 0.02 ${at}`,
      `proficiency.math 3 0.15 ${signedAt}`,
      `attendance_rate 2 0.9 ${at}`,
    ]);
  });

  it('removes a target only when the amendment says so', () => {
    const removed = amendTargets(signed, changes({ remove: [{ metric: 'proficiency.math', contractYear: 3, scope: 'school' }] }), new Set(), stamp);
    expect(listed(removed)).toEqual([`proficiency.math 1 0.05 ${signedAt}`, `proficiency.math 2 0.1 ${signedAt}`]);
    // the same metric and year of the other scope is another target: nothing to remove
    expect(amendTargets(signed, changes({ remove: [{ metric: 'proficiency.math', contractYear: 3, scope: 'cluster' }] }), new Set(), stamp)).toEqual(signed);
  });

  it('a target set again as it was keeps the knowledge time it was set at', () => {
    expect(amendTargets(signed, changes({ targets: [target(3, 0.15)] }), new Set(), stamp)).toEqual(signed);
  });

  it('a final year keeps the targets it was judged by: nothing of it is changed, added or removed', () => {
    const amended = amendTargets(
      signed,
      changes({
        targets: [target(1, 0.01), target(1, 0.9, 'attendance_rate'), target(2, 0.02)],
        remove: [{ metric: 'proficiency.math', contractYear: 3, scope: 'school' }],
      }),
      new Set([1, 3]),
      stamp,
    );
    expect(listed(amended)).toEqual([`proficiency.math 1 0.05 ${signedAt}`, `proficiency.math 2 0.02 ${at}`, `proficiency.math 3 0.15 ${signedAt}`]);
  });

  it('an amendment stored as version 1 replaced the list: it withdraws the targets of the open years it left out', () => {
    // stored before issue 28 as {contractId, targets, reason}; read back as it was meant then
    const v1 = parseEvent('ContractTargetsAmended', 1, {
      contractId: 'K1',
      targets: [target(3, 0.2), target(2, 0.9, 'attendance_rate')],
      reason: 'renegotiated',
    });
    expect(v1).toEqual({
      type: 'ContractTargetsAmended',
      data: { contractId: 'K1', targets: [target(3, 0.2), target(2, 0.9, 'attendance_rate')], remove: [], reason: 'renegotiated', replacesAll: true },
    });
    const amended = amendTargets(signed, v1.data as TargetChanges, new Set([1]), stamp);
    expect(listed(amended)).toEqual([`proficiency.math 1 0.05 ${signedAt}`, `proficiency.math 3 0.2 ${at}`, `attendance_rate 2 0.9 ${at}`]);
  });

  it('says which change set a target: signed, the numbered amendment, a renewal', () => {
    expect(targetOriginOf({ type: 'PerformanceContractSigned' })).toBe('signed');
    expect(targetOriginOf({ type: 'ContractRenewed' })).toBe('renewal');
    expect(targetOriginOf({ type: 'ContractTargetsAmended', data: { contractId: 'K1', targets: [], remove: [], reason: 'x', amendment: 2 } })).toBe(
      'amendment 2',
    );
    expect(targetOriginOf({ type: 'ContractTargetsAmended', data: { contractId: 'K1', targets: [], remove: [], reason: 'x', replacesAll: true } })).toBe(
      'amendment',
    );
  });
});
