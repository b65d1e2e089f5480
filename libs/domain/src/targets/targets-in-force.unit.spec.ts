import { Target } from '../events/registry-events';
import { amendTargets, TargetInForce } from './targets-in-force';

const target = (contractYear: number, value: number, metric = 'proficiency.math'): Target => ({ metric, contractYear, kind: 'gain', value, scope: 'school' });
const signed: TargetInForce[] = [target(1, 0.05), target(2, 0.1), target(3, 0.15)].map((t) => ({ ...t, since: '2024-07-01T00:00:00.000Z' }));
const at = '2025-09-01T00:00:00.000Z';

describe('contract targets amended (DESIGN.md section 7)', () => {
  it('changes the years not yet final and keeps a final year as it was judged', () => {
    const amended = amendTargets(signed, [target(1, 0.01), target(2, 0.02), target(3, 0.15)], new Set([1]), at);
    expect(amended).toEqual([
      { ...target(1, 0.05), since: '2024-07-01T00:00:00.000Z' },
      { ...target(2, 0.02), since: at },
      // year 3's target is the one it had: it keeps the knowledge time it was set at
      { ...target(3, 0.15), since: '2024-07-01T00:00:00.000Z' },
    ]);
  });

  it('a target the amendment leaves out is withdrawn unless its year is final; one it adds is in force from now', () => {
    const amended = amendTargets(signed, [target(3, 0.15), target(2, 0.9, 'attendance_rate')], new Set([1]), at);
    expect(amended.map((t) => `${t.metric} ${t.contractYear} ${t.since}`)).toEqual([
      'proficiency.math 1 2024-07-01T00:00:00.000Z',
      'proficiency.math 3 2024-07-01T00:00:00.000Z',
      `attendance_rate 2 ${at}`,
    ]);
  });

  it('adds no target to a year already final: it was judged without one', () => {
    expect(amendTargets([], [target(1, 0.05)], new Set([1]), at)).toEqual([]);
  });
});
