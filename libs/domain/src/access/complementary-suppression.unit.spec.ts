import { aggregateWithheld, planSuppression, SuppressionGroup, SuppressionMember } from './complementary-suppression';

const N_MIN = 10;
/** A school covering `covered` students, seen raw by its district (and any partners given). */
const school = (schoolId: string, covered: number | undefined, ...insiders: string[]): SuppressionMember => ({ schoolId, covered, insiders });
const cluster = (groupId: string, ...members: SuppressionMember[]): SuppressionGroup => ({ groupId, members });
const sum = (group: SuppressionGroup) => group.members.reduce((total, member) => total + (member.covered ?? 0), 0);
const withheld = (plan: ReturnType<typeof planSuppression>) => Object.fromEntries(plan.withheld);

describe('complementary suppression (docs/metrics.md), on hand-built clusters with nMin 10', () => {
  it('withholds the next smallest school beside the one small school, so the cluster total minus the others is a sum of two', () => {
    const c1 = cluster('C1', school('A', 4, 'district:D1'), school('B', 30, 'district:D1'), school('C', 50, 'district:D1'));
    const plan = planSuppression([c1], N_MIN);
    expect(withheld(plan)).toEqual({ A: 'small_number', B: 'complementary' });
    expect(aggregateWithheld(plan, ['C1'], sum(c1), N_MIN)).toBeUndefined();
  });

  it('withholds nothing more where two schools are small: the total gives their sum only', () => {
    const c1 = cluster('C1', school('A', 4), school('B', 6), school('C', 50), school('D', 60));
    const plan = planSuppression([c1], N_MIN);
    expect(withheld(plan)).toEqual({ A: 'small_number', B: 'small_number' });
    expect(aggregateWithheld(plan, ['C1'], sum(c1), N_MIN)).toBeUndefined();
  });

  it('shows a school of exactly nMin, unless it is the next smallest beside a small one', () => {
    expect(withheld(planSuppression([cluster('C1', school('A', 10), school('B', 40))], N_MIN))).toEqual({});
    expect(withheld(planSuppression([cluster('C1', school('A', 9), school('B', 10), school('C', 40))], N_MIN))).toEqual({
      A: 'small_number',
      B: 'complementary',
    });
  });

  it('shows the total of a cluster whose schools are all small when it covers nMin or more, and withholds it below', () => {
    const covering11 = cluster('C1', school('A', 4), school('B', 7));
    const plan = planSuppression([covering11], N_MIN);
    expect(withheld(plan)).toEqual({ A: 'small_number', B: 'small_number' });
    expect(aggregateWithheld(plan, ['C1'], sum(covering11), N_MIN)).toBeUndefined();
    const covering7 = cluster('C2', school('A', 3), school('B', 4));
    expect(aggregateWithheld(planSuppression([covering7], N_MIN), ['C2'], sum(covering7), N_MIN)).toBe('small_number');
  });

  it('withholds a cluster of one small school, and the zone that holds it: the zone minus the other clusters would be that school', () => {
    const alone = cluster('C1', school('A', 40));
    expect(withheld(planSuppression([alone], N_MIN))).toEqual({});
    const small = cluster('C1', school('A', 4));
    const other = cluster('C2', school('B', 30), school('C', 50));
    const plan = planSuppression([small, other], N_MIN);
    expect(withheld(plan)).toEqual({ A: 'small_number' });
    expect([...plan.exposed]).toEqual(['C1']);
    expect(aggregateWithheld(plan, ['C1'], 4, N_MIN)).toBe('small_number');
    expect(aggregateWithheld(plan, ['C1', 'C2'], 84, N_MIN)).toBe('complementary');
    expect(aggregateWithheld(plan, ['C2'], 80, N_MIN)).toBeUndefined();
  });

  it("withholds a cluster spanning two districts whose total, less one district's own schools, is the other district's one small school", () => {
    const c1 = cluster('C1', school('A', 30, 'district:D1'), school('B', 4, 'district:D2'));
    const plan = planSuppression([c1], N_MIN);
    // the public's rule alone withholds A beside B; district D1 sees A raw, so the total would still give B away
    expect(withheld(plan)).toEqual({ A: 'complementary', B: 'small_number' });
    expect(aggregateWithheld(plan, ['C1'], sum(c1), N_MIN)).toBe('complementary');
  });

  it('withholds another school of the other district where there is one, and the cluster total stands', () => {
    const c1 = cluster('C1', school('A1', 30, 'district:D1'), school('A2', 40, 'district:D1'), school('B1', 4, 'district:D2'), school('B2', 50, 'district:D2'));
    const plan = planSuppression([c1], N_MIN);
    // the public: B1 and the next smallest, A1; D1 sees A1 and A2 raw, so B2 too; D2 is left with A1, which is not small
    expect(withheld(plan)).toEqual({ A1: 'complementary', B1: 'small_number', B2: 'complementary' });
    expect(plan.exposed.size).toBe(0);
  });

  it('treats a partner whose contract names a school as an insider of it, as a district', () => {
    const c1 = cluster('C1', school('A', 4, 'district:D1', 'partner:P1'), school('B', 20, 'district:D1'), school('C', 30, 'district:D1', 'partner:P1'));
    // the public: A and B; P1 sees A and C raw, and is left with B, which is not small
    expect(withheld(planSuppression([c1], N_MIN))).toEqual({ A: 'small_number', B: 'complementary' });
  });

  it('picks the next smallest by the number covered, then by school id, and never withholds a count that covers no one', () => {
    expect(withheld(planSuppression([cluster('C1', school('Z', 3), school('M', 25), school('K', 25))], N_MIN))).toEqual({
      Z: 'small_number',
      K: 'complementary',
    });
    expect(withheld(planSuppression([cluster('C1', school('A', undefined), school('B', undefined))], N_MIN))).toEqual({});
  });
});
