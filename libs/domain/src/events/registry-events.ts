import { z } from 'zod';
import { MetricDirection } from '../metrics/indicator-catalogue';
import { METRIC_NAME_HINT, MetricDefinition, MetricFamily, metricFamilyOf } from '../metrics/metric-catalogue';
import { malformedMetricIssue } from '../metrics/metric-names';
import { parseSchoolYear, schoolYearSchema } from '../school-year';
import { defineEvent, EventOf, idSchema, nameSchema } from './event';

/** Registry facts, entered through the API by the state turnaround office (docs/feeds.md). */

export const zoneEstablished = defineEvent(
  'ZoneEstablished',
  1,
  z.strictObject({
    zoneId: idSchema,
    stateCode: z.string().regex(/^[A-Z]{2}$/, 'expected a two-letter state code such as "MA"'),
    name: nameSchema,
    districtIds: z.array(idSchema).min(1, 'expected at least one district').refine(unique, 'expected each district once'),
  }),
);

/**
 * The zone's name from now on. Reads show the current name only: a name is a label, and no
 * status, alert or access depends on it.
 */
export const zoneRenamed = defineEvent('ZoneRenamed', 1, z.strictObject({ zoneId: idSchema, name: nameSchema }));

/**
 * The zone's districts from now on: the whole list, as `ZoneEstablished` has it. The decider
 * keeps every district whose schools are or were members of the zone's clusters.
 */
export const zoneDistrictsChanged = defineEvent(
  'ZoneDistrictsChanged',
  1,
  z.strictObject({
    zoneId: idSchema,
    districtIds: z.array(idSchema).min(1, 'expected at least one district').refine(unique, 'expected each district once'),
  }),
);

export const clusterFormed = defineEvent('ClusterFormed', 1, z.strictObject({ clusterId: idSchema, zoneId: idSchema, name: nameSchema }));

export const schoolRegistered = defineEvent(
  'SchoolRegistered',
  1,
  z.strictObject({
    schoolId: idSchema,
    districtId: idSchema,
    name: nameSchema,
    gradeSpan: z.string().regex(/^(PK|KG|\d{2})-(KG|\d{2})$/, 'expected a grade span such as "06-08" or "KG-05"'),
    ncesId: z
      .string()
      .regex(/^\d{12}$/, 'expected the 12-digit NCES school id')
      .optional(),
  }),
);

/** The school's name from now on (as `zoneRenamed`: the current name is the one shown). */
export const schoolRenamed = defineEvent('SchoolRenamed', 1, z.strictObject({ schoolId: idSchema, name: nameSchema }));

/**
 * The school belongs to `districtId` from the knowledge time of the event on (not from a school
 * year: ownership and access follow the registry as it stands, docs/domain.md#schools). The
 * district then owns the school, with its past years; alerts already raised keep the districts
 * they named. Every zone of a cluster the school is or was a member of must list the district.
 */
export const schoolMovedDistrict = defineEvent('SchoolMovedDistrict', 1, z.strictObject({ schoolId: idSchema, districtId: idSchema }));

export const STRATEGIES = ['transformation', 'close_reopen'] as const;

export const schoolAssignedToCluster = defineEvent(
  'SchoolAssignedToCluster',
  1,
  z.strictObject({ schoolId: idSchema, clusterId: idSchema, fromYear: schoolYearSchema, strategy: z.enum(STRATEGIES) }),
);

/** The school is no longer a member of the cluster from `fromYear` on. */
export const schoolLeftCluster = defineEvent('SchoolLeftCluster', 1, z.strictObject({ schoolId: idSchema, clusterId: idSchema, fromYear: schoolYearSchema }));

export const PARTNER_ROLES = ['lead', 'supporting', 'managing'] as const;

export const partnerRegistered = defineEvent('PartnerRegistered', 1, z.strictObject({ partnerId: idSchema, name: nameSchema, role: z.enum(PARTNER_ROLES) }));

export const TARGET_KINDS = ['absolute', 'gain', 'gap_closure', 'non_proficient_reduction'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/**
 * A contract target (docs/domain.md#targets). Rules about the target's own values live here;
 * rules that need the contract (a contract year inside the term) or the catalogues (an
 * indicator's kind and direction) live in the contract decider, which is given the catalogues.
 */
export const targetSchema = z
  .strictObject({
    // A well-formed name outside the catalogues passes here and is refused by the contract's
    // decider, so that a stored event stays readable; a malformed one is refused with its close matches.
    metric: z.string().refine((metric) => metricFamilyOf(metric) !== undefined, { error: (issue) => malformedMetricIssue(String(issue.input)) }),
    contractYear: z.number().int('expected a whole contract year').min(1, 'expected contract year 1 or later'),
    kind: z.enum(TARGET_KINDS),
    value: z.number().finite(),
    scope: z.enum(['school', 'cluster']),
    /** Only for gap_closure: the goal whose gap is closed; 1.0 (or 0 for lower-is-better) by default. */
    goal: z.union([z.number().finite(), z.literal('stateAverage')]).optional(),
  })
  .superRefine((target, context) => {
    const named = metricFamilyOf(target.metric);
    // An indicator's terms depend on its catalogue entry: the contract's decider checks them
    // (targetTermIssues), not here, so a stored event stays readable whatever the catalogue says later.
    if (named && named.family.parameter !== 'indicator') {
      const { direction, isRate } = named.family as MetricFamily & { direction: MetricDirection; isRate: boolean };
      for (const { path, message } of targetTermIssues(target, { family: named.family.family, direction, isRate }))
        context.addIssue({ code: 'custom', path: [path], message });
    }
    if (target.goal !== undefined && target.kind !== 'gap_closure')
      context.addIssue({ code: 'custom', path: ['goal'], message: 'a goal is only taken by gap_closure targets' });
  });

/**
 * The issues of a target's kind, value and goal for its metric: a rate's values lie in [0, 1],
 * a count's are in its own unit (minutes), never percentage points. The target schema checks
 * the metrics of the table; the contract's decider checks an indicator's by its catalogue entry.
 */
export function targetTermIssues(
  target: Pick<Target, 'metric' | 'kind' | 'value' | 'goal'>,
  definition: Pick<MetricDefinition, 'family' | 'direction' | 'isRate' | 'unit' | 'indicatorKind'>,
): { path: 'value' | 'goal' | 'kind'; message: string }[] {
  const issues: { path: 'value' | 'goal' | 'kind'; message: string }[] = [];
  const issue = (path: 'value' | 'goal' | 'kind', message: string) => issues.push({ path, message });
  const rate = definition.isRate;
  const unit = definition.unit ? ` ${definition.unit}` : '';
  switch (target.kind) {
    case 'absolute':
      if (rate && (target.value < 0 || target.value > 1)) issue('value', `expected a rate between 0 and 1 for ${target.metric}`);
      if (!rate && target.value < 0) issue('value', `expected a value of 0 or more${unit} for ${target.metric}`);
      break;
    case 'gain':
      if (target.value <= 0 || (rate && target.value > 1))
        issue('value', rate ? 'expected a gain above 0 and at most 1 (0.05 = 5 percentage points)' : `expected a gain above 0${unit}`);
      break;
    case 'gap_closure':
      if (target.value <= 0 || target.value > 1) issue('value', 'expected the share of the gap to close, above 0 and at most 1');
      if (typeof target.goal === 'number' && rate && (target.goal < 0 || target.goal > 1))
        issue('goal', `expected a goal rate between 0 and 1 for ${target.metric}, or "stateAverage"`);
      // The default goal is 1.0, or 0 for lower-is-better: a count or ratio that rises has no such top.
      if (target.goal === undefined && definition.indicatorKind !== undefined && !rate && definition.direction === 'higher_is_better')
        issue(
          'goal',
          `expected a goal${definition.unit ? ` in ${definition.unit}` : ''} for ${target.metric} (a ${definition.indicatorKind} has no top of 1), or "stateAverage"`,
        );
      break;
    case 'non_proficient_reduction':
      if (definition.family !== 'proficiency' && definition.family !== 'interim_proficiency')
        issue('kind', 'non_proficient_reduction applies to proficiency metrics only');
      if (target.value <= 0 || target.value >= 1) issue('value', 'expected the share of non-proficient students to cut, above 0 and below 1');
      break;
  }
  return issues;
}

export type Target = z.infer<typeof targetSchema>;

function targetsSchema() {
  return z
    .array(targetSchema)
    .refine(
      (targets) => unique(targets.map((target) => `${target.metric}|${target.contractYear}|${target.scope}`)),
      'expected at most one target per metric, contract year and scope',
    );
}

export const GOVERNANCE_MODELS = ['district_managed', 'district_lead_partner', 'managing_partner'] as const;

export const performanceContractSigned = defineEvent(
  'PerformanceContractSigned',
  1,
  z
    .strictObject({
      contractId: idSchema,
      partnerId: idSchema,
      clusterId: idSchema,
      schoolIds: z.array(idSchema).min(1, 'expected 1 to 5 schools').max(5, 'expected 1 to 5 schools').refine(unique, 'expected each school once'),
      governance: z.enum(GOVERNANCE_MODELS),
      startYear: schoolYearSchema,
      termYears: z.number().int().min(3, 'expected a term of 3 to 5 years').max(5, 'expected a term of 3 to 5 years'),
      baselineYear: schoolYearSchema,
      targets: targetsSchema(),
    })
    .superRefine((contract, context) => {
      const start = parseSchoolYear(contract.startYear);
      const baseline = parseSchoolYear(contract.baselineYear);
      if (start !== undefined && baseline !== undefined && baseline >= start)
        context.addIssue({ code: 'custom', path: ['baselineYear'], message: `expected a school year before the start year ${contract.startYear}` });
      contract.targets.forEach((target, index) => {
        if (target.contractYear > contract.termYears)
          context.addIssue({
            code: 'custom',
            path: ['targets', index, 'contractYear'],
            message: `expected a contract year inside the ${contract.termYears}-year term`,
          });
      });
    }),
);

/** Names one target of a contract: a target is keyed by metric, contract year and scope (docs/domain.md#statuses). */
export const targetKeySchema = z.strictObject({
  metric: z.string().refine((metric) => metricFamilyOf(metric) !== undefined, METRIC_NAME_HINT),
  contractYear: z.number().int('expected a whole contract year').min(1, 'expected contract year 1 or later'),
  scope: z.enum(['school', 'cluster']),
});
export type TargetKey = z.infer<typeof targetKeySchema>;

const targetKey = (target: TargetKey) => `${target.metric}|${target.contractYear}|${target.scope}`;

const amendmentFields = {
  contractId: idSchema,
  /** The targets added or changed; a target of the same metric, contract year and scope is replaced. */
  targets: targetsSchema().default([]),
  /** The targets withdrawn. Every target the amendment does not name stays as it was. */
  remove: z.array(targetKeySchema).default([]),
  reason: nameSchema,
};

function checkAmendment(amendment: { targets: Target[]; remove: TargetKey[]; replacesAll?: true }, context: z.RefinementCtx): void {
  if (amendment.targets.length === 0 && amendment.remove.length === 0 && !amendment.replacesAll)
    context.addIssue({ code: 'custom', path: ['targets'], message: 'expected at least one target to add or change, or one in remove' });
  const set = new Set(amendment.targets.map(targetKey));
  const seen = new Set<string>();
  amendment.remove.forEach((key, index) => {
    if (set.has(targetKey(key)))
      context.addIssue({
        code: 'custom',
        path: ['remove', index],
        message: `expected a target either set or removed: ${key.metric} of contract year ${key.contractYear} (${key.scope}) is in targets too`,
      });
    else if (seen.has(targetKey(key))) context.addIssue({ code: 'custom', path: ['remove', index], message: 'expected each target to remove once' });
    seen.add(targetKey(key));
  });
}

/** What the state office sends to amend a contract: the targets to add or change, and those to remove. */
export const targetAmendmentSchema = z.strictObject(amendmentFields).superRefine(checkAmendment);
export type TargetAmendment = z.infer<typeof targetAmendmentSchema>;

/**
 * Amends the contract's targets: adds or changes those in `targets`, withdraws those in
 * `remove`, and leaves the rest alone. `amendment` numbers it among the contract's amendments
 * (the decider counts them on the contract's stream).
 *
 * Version 1 had `targets` alone, and it replaced the list: every target of a contract year not
 * yet final that the amendment left out was withdrawn. A stored v1 event is read as what it
 * meant when it was recorded, `replacesAll: true` with nothing in `remove`, so a replay gives
 * the same targets, scorecards and alerts as the service gave then. Only the upcaster sets
 * `replacesAll` (the API takes `targetAmendmentSchema`, which has no such field); a v1 event
 * has no `amendment` number either.
 */
export const contractTargetsAmended = defineEvent(
  'ContractTargetsAmended',
  2,
  z
    .strictObject({
      ...amendmentFields,
      amendment: z.number().int().min(1, 'expected amendment 1 or later').optional(),
      replacesAll: z.literal(true).optional(),
    })
    .superRefine(checkAmendment),
  { 1: (v1: { contractId: string; targets: unknown[]; reason: string }) => ({ ...v1, remove: [], replacesAll: true }) },
);

/** Extends the term; `targets` are added for the new contract years. */
export const contractRenewed = defineEvent(
  'ContractRenewed',
  1,
  z.strictObject({
    contractId: idSchema,
    additionalYears: z.number().int().min(1, 'expected 1 to 5 more years').max(5, 'expected 1 to 5 more years'),
    targets: targetsSchema(),
  }),
);

export const contractTerminated = defineEvent('ContractTerminated', 1, z.strictObject({ contractId: idSchema, reason: nameSchema }));

export type ZoneEstablished = EventOf<typeof zoneEstablished>;
export type ZoneRenamed = EventOf<typeof zoneRenamed>;
export type ZoneDistrictsChanged = EventOf<typeof zoneDistrictsChanged>;
export type ClusterFormed = EventOf<typeof clusterFormed>;
export type SchoolRegistered = EventOf<typeof schoolRegistered>;
export type SchoolRenamed = EventOf<typeof schoolRenamed>;
export type SchoolMovedDistrict = EventOf<typeof schoolMovedDistrict>;
export type SchoolAssignedToCluster = EventOf<typeof schoolAssignedToCluster>;
export type SchoolLeftCluster = EventOf<typeof schoolLeftCluster>;
export type PartnerRegistered = EventOf<typeof partnerRegistered>;
export type PerformanceContractSigned = EventOf<typeof performanceContractSigned>;
export type ContractTargetsAmended = EventOf<typeof contractTargetsAmended>;
export type ContractRenewed = EventOf<typeof contractRenewed>;
export type ContractTerminated = EventOf<typeof contractTerminated>;

export type ZoneEvent = ZoneEstablished | ZoneRenamed | ZoneDistrictsChanged;
export type ClusterEvent = ClusterFormed;
export type SchoolEvent = SchoolRegistered | SchoolRenamed | SchoolMovedDistrict | SchoolAssignedToCluster | SchoolLeftCluster;
export type PartnerEvent = PartnerRegistered;
export type ContractEvent = PerformanceContractSigned | ContractTargetsAmended | ContractRenewed | ContractTerminated;
export type RegistryEvent = ZoneEvent | ClusterEvent | SchoolEvent | PartnerEvent | ContractEvent;

function unique(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}
