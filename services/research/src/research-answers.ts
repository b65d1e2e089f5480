import { z } from 'zod';
import { MINIMUM_SCHOOLS } from '@turnaround/domain';

/** What the research routes answer in JSON, as zod schemas for the OpenAPI document (ApiAnswer). */

const shortfall = z.object({
  needed: z.number().int().describe('the fewest schools the figure needs on each side it compares'),
  have: z.number().int().describe('the schools on its smallest side'),
});
const estimate = z.object({
  value: z.number(),
  standardError: z.number().nullable().describe('standard deviation of the bootstrap draws'),
  ci95: z.object({ lower: z.number(), upper: z.number() }).nullable().describe('2.5 and 97.5 percentiles of the bootstrap draws'),
  draws: z.number().int().describe('bootstrap draws in which the figure could be computed'),
  insufficient: shortfall
    .nullable()
    .describe(`set when the value counts fewer schools than the figure needs (${MINIMUM_SCHOOLS.att} a side); the value is given all the same`),
  intervalInsufficient: shortfall
    .nullable()
    .describe(
      `set when standardError and ci95 rest on fewer schools than a bootstrap needs (${MINIMUM_SCHOOLS.interval} a side): the interval covers well under 95%`,
    ),
});
const schools = z.object({ treated: z.number().int(), comparison: z.number().int() }).describe('schools counted on each side');
const years = z.array(z.number().int()).describe('the years (calendar year each school year ends in) the figure uses');

const groupProofPoints = z.object({
  groupBy: z.enum(['cluster', 'zone', 'partner', 'cohort']),
  groupId: z.string(),
  cohorts: z.array(z.object({ firstTreatYear: z.number().int(), schools: z.number().int() })),
  comparisonSchools: z.number().int(),
  baselineComparisons: z.array(
    z.object({
      cohort: z.number().int(),
      year: z.number().int(),
      baselineYear: z.number().int(),
      eventTime: z.number().int(),
      schools,
      years,
      treatedGain: estimate,
      comparisonGain: estimate,
      differenceInDifferences: estimate,
      hedgesG: estimate.nullable(),
    }),
  ),
  groupTime: z.array(
    z.object({ cohort: z.number().int(), year: z.number().int(), baseYear: z.number().int(), eventTime: z.number().int(), schools, years, att: estimate }),
  ),
  eventTime: z.array(z.object({ eventTime: z.number().int(), cohorts: z.array(z.number().int()), schools, years, att: estimate })),
  overall: z.object({ eventTimes: z.array(z.number().int()), schools, years, att: estimate }).nullable(),
});

export const proofPointsAnswer = z
  .object({
    metric: z.string(),
    asOf: z.string().describe('the knowledge time the figures were computed at'),
    groupBy: z.enum(['cluster', 'zone', 'partner', 'cohort']),
    weights: z.enum(['none', 'n']),
    seed: z.number().int(),
    draws: z.number().int(),
    groups: z.array(groupProofPoints),
  })
  .meta({ title: 'ProofPoints' });

export const researchRequestAnswer = z
  .object({
    recordId: z.number().int(),
    requestedAt: z.string(),
    action: z.enum(['panel', 'proof-points']),
    channel: z.enum(['http', 'cli']),
    keyId: z.string().nullable(),
    role: z.string().nullable(),
    actor: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    asOf: z.string(),
    rows: z.number().int().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ title: 'ResearchRequest' });
