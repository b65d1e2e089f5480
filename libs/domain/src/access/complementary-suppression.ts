/**
 * Complementary suppression (docs/metrics.md): a reader who may not see a school's small
 * number must not work it out either, by subtracting the other schools' values from an
 * aggregate (a cluster, zone or partner roll-up, the state), nor, for a district or partner,
 * by subtracting its own schools, which it sees raw.
 *
 * Every aggregate is a sum of whole groups: the schools of one cluster in one school year (a
 * school is in one cluster a year), or the schools in no cluster that year (the state-wide
 * roll-up holds them). So the rule is written per group, and it holds for any aggregate made
 * of groups, nested or not:
 * 1. a school whose value covers fewer than nMin is withheld (`small_number`);
 * 2. where that leaves exactly one withheld school in the group, the next smallest school of
 *    the group is withheld too (`complementary`), as state report cards do;
 * 3. the same for each insider (a district, a partner) with a school in the group: where the
 *    schools withheld that are not its own are exactly one small school, the next smallest
 *    school that is not its own is withheld too;
 * 4. where there is no such school to withhold (a cluster of one school, or all the others are
 *    the insider's own), the group is `exposed`: every aggregate that holds it is withheld.
 * The group's sum then always leaves two or more unknown values to anyone who cannot see a small
 * one, and no sum of groups can take two schools of one group apart. A withheld school's value
 * is withheld on its own page too, so one plan serves every read and every dashboard.
 */

/** A school with a value of the metric in the school year. */
export interface SuppressionMember {
  schoolId: string;
  /** How many the value covers (`coveredBy`); undefined for a count that covers no one, never small. */
  covered: number | undefined;
  /** Who sees the school's numbers raw besides the state office and researchers: its district and its partners (`roleName`). */
  insiders: readonly string[];
}

/** The schools of one cluster in a school year, or of no cluster, with a value of one metric. */
export interface SuppressionGroup {
  groupId: string;
  members: readonly SuppressionMember[];
}

export type WithheldReason = 'small_number' | 'complementary';

export interface SuppressionPlan {
  /** The schools whose numbers are withheld, and why. */
  withheld: ReadonlyMap<string, WithheldReason>;
  /** The groups whose sum would give a withheld small number away: an aggregate that holds one is withheld. */
  exposed: ReadonlySet<string>;
}

/** The plan of one metric in one school year, group by group. */
export function planSuppression(groups: readonly SuppressionGroup[], nMin: number): SuppressionPlan {
  const withheld = new Map<string, WithheldReason>();
  const exposed = new Set<string>();
  for (const group of groups) {
    const plan = planGroup(group, nMin);
    for (const [schoolId, reason] of plan.withheld) withheld.set(schoolId, reason);
    if (plan.exposed) exposed.add(group.groupId);
  }
  return { withheld, exposed };
}

function planGroup(group: SuppressionGroup, nMin: number): { withheld: Map<string, WithheldReason>; exposed: boolean } {
  const isSmall = (member: SuppressionMember) => member.covered !== undefined && member.covered < nMin;
  // The next smallest first: fewest covered, then by id, so every read and the dashboards pick the same school.
  const members = [...group.members].sort(smallestFirst);
  const withheld = new Map<string, WithheldReason>(members.filter(isSmall).map((member) => [member.schoolId, 'small_number']));
  let exposed = false;
  if (withheld.size === 1) {
    const next = members.find((member) => !withheld.has(member.schoolId));
    if (next) withheld.set(next.schoolId, 'complementary');
    else exposed = true;
  }
  // Each insider judged against the plan so far; what one withholds never leaves another exactly one small school.
  const afterPublic = new Set(withheld.keys());
  for (const insider of new Set(members.flatMap((member) => member.insiders))) {
    const notOwn = members.filter((member) => !member.insiders.includes(insider));
    const unknown = notOwn.filter((member) => afterPublic.has(member.schoolId));
    if (unknown.length !== 1 || !isSmall(unknown[0])) continue;
    const next = notOwn.find((member) => !afterPublic.has(member.schoolId));
    if (next) withheld.set(next.schoolId, withheld.get(next.schoolId) ?? 'complementary');
    else exposed = true;
  }
  return { withheld, exposed };
}

/**
 * Whether an aggregate of the given groups is withheld: when its own value covers fewer than
 * nMin, or when it holds an exposed group.
 */
export function aggregateWithheld(plan: SuppressionPlan, groupIds: readonly string[], covered: number | undefined, nMin: number): WithheldReason | undefined {
  if (covered !== undefined && covered < nMin) return 'small_number';
  return groupIds.some((groupId) => plan.exposed.has(groupId)) ? 'complementary' : undefined;
}

function smallestFirst(a: SuppressionMember, b: SuppressionMember): number {
  if (a.covered !== b.covered) return a.covered === undefined ? 1 : b.covered === undefined ? -1 : a.covered - b.covered;
  return a.schoolId < b.schoolId ? -1 : a.schoolId > b.schoolId ? 1 : 0;
}
