import {
  ALERT_STAGES,
  clusterFormed,
  FEED_KINDS,
  partnerRegistered,
  performanceContractSigned,
  schoolRegistered,
  SEVERITIES,
  STRATEGIES,
  targetSchema,
  zoneEstablished,
} from '@turnaround/domain';
import { z } from 'zod';

/**
 * What the API answers, as zod schemas: the OpenAPI document's response schemas come from
 * these (ApiOkFrom), as its request schemas come from the events' own (ApiBodyFrom). Where an
 * answer is a registered fact, its schema is the event's, with what the read model adds.
 */

const isoTime = z.string().describe('an ISO date-time');
const nullableNumber = z.number().nullable();

export const errorAnswer = z
  .object({
    error: z.string().describe('validation, not_found, conflict, unauthorized, forbidden, too_large, ...'),
    message: z.string(),
    issues: z.array(z.object({ row: z.number().int().optional(), field: z.string(), message: z.string() })).optional(),
  })
  .meta({ title: 'Refusal' });

const membership = z.object({ clusterId: z.string(), fromYear: z.string(), untilYear: z.string().nullable(), strategy: z.enum(STRATEGIES) });

export const zoneAnswer = zoneEstablished.schema.meta({ title: 'Zone' });
export const clusterAnswer = clusterFormed.schema.meta({ title: 'Cluster' });
export const clusterWithMembersAnswer = clusterFormed.schema
  .extend({
    members: z.array(membership.omit({ clusterId: true }).extend({ schoolId: z.string() })),
  })
  .meta({ title: 'ClusterWithMembers' });
export const schoolAnswer = schoolRegistered.schema.extend({ ncesId: z.string().nullable() }).meta({ title: 'School' });
export const schoolWithMembershipsAnswer = schoolAnswer.extend({ memberships: z.array(membership) }).meta({ title: 'SchoolWithMemberships' });
export const partnerAnswer = partnerRegistered.schema.meta({ title: 'Partner' });
/** A target in force: the target, since when (knowledge time) and which change set it. */
const targetInForceAnswer = z.object({
  ...targetSchema.shape,
  since: isoTime.describe('the knowledge time from which the target is in force'),
  setBy: z
    .string()
    .nullable()
    .describe(
      "which change set it: 'signed', 'amendment N' (the contract's N-th amendment), 'renewal'; 'amendment' alone for one recorded before amendments were numbered; null when recorded before this was kept",
    ),
});
export const contractAnswer = z
  .object({
    ...performanceContractSigned.schema.shape,
    targets: z.array(targetInForceAnswer).describe('the targets in force, by contract year, metric and scope'),
    status: z.enum(['active', 'terminated']),
    terminatedAt: isoTime.nullable(),
    terminationReason: z.string().nullable(),
  })
  .meta({ title: 'Contract' });
const targetTerms = z.object({ kind: targetSchema.shape.kind, value: targetSchema.shape.value, goal: targetSchema.shape.goal });
/** One change of a contract, as `GET /api/v1/contracts/{contractId}/history` lists them. */
export const contractChangeAnswer = z
  .object({
    change: z.enum(['signed', 'amended', 'renewed', 'terminated']),
    label: z.string().describe("as the contract's targets name what set them: 'signed', 'amendment N', 'renewal'; 'terminated'"),
    knownAt: isoTime.describe('when the service learned of the change (knowledge time)'),
    reason: z.string().nullable().describe('why, as the state office recorded it: amendments and terminations'),
    additionalYears: z.number().int().nullable().describe('the years a renewal added'),
    targets: z
      .array(z.object({ ...targetSchema.shape, before: targetTerms.nullable().describe('the terms it replaced; null for a new target') }))
      .describe('the targets the change set'),
    removed: z
      .array(z.object({ metric: z.string(), contractYear: z.number().int(), scope: z.enum(['school', 'cluster']) }))
      .describe('the targets it withdrew'),
  })
  .meta({ title: 'ContractChange' });

export const metricReadingAnswer = z
  .object({
    metric: z.string(),
    schoolYear: z.string(),
    numerator: nullableNumber,
    denominator: nullableNumber,
    rate: nullableNumber,
    suppressed: z.boolean(),
    partial: z.boolean(),
    final: z.boolean(),
    through: z.string(),
    schools: z.number().int().describe('how many schools the value sums (1 for a school)'),
    knownAt: isoTime,
    smallNumber: z
      .boolean()
      .describe('the value covers fewer than nMin (a rate or ratio by its denominator, a count of students by its count): numbers withheld from the public'),
    withheld: z
      .boolean()
      .describe('numbers withheld from this reader: a small number, or one that would give a small number away by subtraction (complementary suppression)'),
  })
  .meta({ title: 'MetricReading' });

export const comparisonMeanAnswer = z
  .object({
    metric: z.string(),
    schoolYear: z.string(),
    mean: nullableNumber.describe("the unweighted mean of the comparison schools' values; null where withheld"),
    schools: z.number().int().describe('how many comparison schools it averages'),
    withheld: z.boolean().describe('withheld from this reader: fewer than 10 schools'),
  })
  .meta({ title: 'ComparisonMean' });

const status = z.enum(['pending', 'on_track', 'at_risk', 'met', 'missed']);
export const scorecardLineAnswer = z
  .object({
    scope: z.enum(['school', 'cluster']),
    subjectId: z.string(),
    metric: z.string(),
    contractYear: z.number().int(),
    schoolYear: z.string(),
    kind: z.string(),
    status,
    threshold: nullableNumber,
    baseline: nullableNumber,
    actual: nullableNumber,
    evidence: z.enum(['final', 'leading', 'none']),
    reason: z.string().optional(),
    schools: z.object({ counted: z.number().int(), missed: z.number().int() }).optional(),
    target: z.record(z.string(), z.unknown()).nullable().describe('the target in force'),
    targetSince: isoTime.nullable(),
    knownAt: isoTime,
  })
  .meta({ title: 'ScorecardLine' });
const contractHeading = {
  contractId: z.string(),
  partnerId: z.string(),
  clusterId: z.string(),
  status: z.enum(['active', 'terminated']),
  termination: z.object({ at: isoTime, reason: z.string() }).nullable(),
  startYear: z.string(),
  baselineYear: z.string(),
  termYears: z.number().int(),
};
export const scorecardAnswer = z.object({ ...contractHeading, asOf: isoTime, lines: z.array(scorecardLineAnswer) }).meta({ title: 'Scorecard' });
export const partnerScorecardAnswer = z
  .object({
    partnerId: z.string(),
    asOf: isoTime,
    contracts: z.array(z.object({ ...contractHeading, lines: z.array(scorecardLineAnswer) })),
    years: z.array(
      z.object({
        schoolYear: z.string(),
        met: z.number().int(),
        missed: z.number().int(),
        atRisk: z.number().int(),
        onTrack: z.number().int(),
        pending: z.number().int(),
      }),
    ),
  })
  .meta({ title: 'PartnerScorecard' });

export const alertAnswer = z
  .object({
    alertId: z.string(),
    schoolId: z.string().nullable(),
    clusterId: z.string().nullable(),
    contractId: z.string(),
    partnerId: z.string(),
    districtIds: z.array(z.string()),
    metric: z.string(),
    contractYear: z.number().int(),
    schoolYear: z.string(),
    checkpoint: z.enum(ALERT_STAGES),
    target: z.number(),
    actual: z
      .number()
      .nullable()
      .describe(
        'the value at its last change: the one that raised or reopened it, then the one that resolved it; null when no value resolved it (a withdrawal)',
      ),
    raisedActual: z.number().describe('the value that raised it, or reopened it last'),
    severity: z.enum(SEVERITIES),
    status: z.enum(['open', 'acknowledged', 'resolved']),
    raisedAt: isoTime,
    resolvedAt: isoTime.nullable(),
    resolution: z.string().nullable(),
    acknowledgements: z.array(
      z.object({
        by: z.string().describe('the id of the API key that acknowledged'),
        byName: z.string().nullable().describe('the name that key was issued to, as it was then; null for an acknowledgement recorded before names were kept'),
        note: z.string(),
        at: z.string(),
      }),
    ),
  })
  .meta({ title: 'Alert' });

const fieldIssue = z.object({ row: z.number().int().optional(), field: z.string(), message: z.string() });
const counts = {
  accepted: z.number().int(),
  duplicates: z.number().int(),
  restated: z.number().int(),
  reinstated: z.number().int().describe('records whose key was retracted, brought back by the push (not counted as restated)'),
  skipped: z.number().int(),
  rejectedRows: z.number().int(),
};
const batchWarning = z.object({ row: z.number().int().describe('the first row it concerns'), field: z.string(), schoolId: z.string(), message: z.string() });
const batchListings = {
  reinstatedKeys: z.array(z.string()).describe('the natural keys of the first 100 reinstated records, in file order; reinstated counts them all'),
  warnings: z.array(batchWarning).describe('what was stored but deserves a look, the first 100: a school id not registered (stored as a comparison school)'),
  warningCount: z.number().int().describe('how many warnings in all'),
};
export const feedAnswer = z
  .object({
    batchId: z.string().nullable().describe('the batch, under which its rejected rows stay listed; null for a dry run, which keeps nothing'),
    dryRun: z.boolean().describe('true: validated and counted only, nothing stored (?dryRun=true)'),
    feed: z.enum(FEED_KINDS),
    profile: z.string().nullable(),
    status: z.enum(['completed', 'rejected', 'failed']),
    ...counts,
    ...batchListings,
    rejected: z.array(fieldIssue),
    rejectedTruncated: z.boolean(),
  })
  .meta({ title: 'FeedPush' });
export const batchAnswer = z
  .object({
    batchId: z.string(),
    feed: z.enum(FEED_KINDS),
    profile: z.string().nullable(),
    channel: z.string(),
    actor: z.string(),
    status: z
      .enum(['running', 'completed', 'rejected', 'failed', 'interrupted'])
      .describe('interrupted: the service stopped while it ran; push the file again'),
    startedAt: isoTime,
    finishedAt: isoTime.nullable(),
    batchIssues: z.array(fieldIssue),
    ...counts,
    ...batchListings,
  })
  .meta({ title: 'FeedBatch' });
export const rejectionsAnswer = z
  .object({
    batch: batchAnswer,
    rejections: z.array(z.object({ row: z.number().int(), record: z.unknown(), issues: z.array(fieldIssue) })),
    nextAfterRow: z.number().int().nullable(),
  })
  .meta({ title: 'FeedRejections' });
export const retractionAnswer = z
  .object({
    retracted: z.boolean(),
    naturalKey: z.string().describe('the key as stored, e.g. with the assessment code in lower case'),
  })
  .meta({ title: 'Retraction' });
/** `GET /api/v1/feeds/{kind}/records`: what is stored of a feed for one school and school year. */
export const feedRecordsAnswer = z
  .object({
    feed: z.enum(FEED_KINDS),
    schoolId: z.string(),
    schoolYear: z.string(),
    asOf: isoTime.nullable().describe('the knowledge time read; null for now'),
    records: z.array(
      z.object({
        naturalKey: z.string(),
        record: z.record(z.string(), z.unknown()).describe("the values in force: the fields of the feed's event"),
        batchId: z.string().nullable().describe('the push that stored these values (GET /api/v1/feeds/batches)'),
        channel: z.string().describe('http, kafka, cli or system'),
        actor: z.string(),
        knownAt: isoTime.describe('knowledge time of these values'),
        firstKnownAt: isoTime.describe('when the key was first learned'),
        versions: z.number().int().describe('how many times values of the key were stored (1 plus restatements and reinstatements)'),
        retracted: z.boolean(),
        retraction: z.object({ at: isoTime, by: z.string(), reason: z.string() }).nullable(),
      }),
    ),
    nextAfter: z.string().nullable().describe('the after= of the next page; null on the last'),
  })
  .meta({ title: 'FeedRecords' });
/** `POST /api/v1/feeds/{kind}/retractions`: which record is withdrawn, and why. */
export const retractionBody = z.object({
  naturalKey: z
    .string()
    .min(1)
    .describe(
      "the record's natural key, its event's metadata.source.recordKey: the key fields joined by '/', e.g. S-0001/2023-24/spring/mcas/math/all/all (assessment), S-0001/2023-09-01/2023-09-30 (attendance)",
    ),
  reason: z.string().min(1).describe('why the record is withdrawn, kept with the retraction'),
});

export const webhookAnswer = z.object({ webhookId: z.string(), districtId: z.string(), url: z.string(), createdAt: isoTime }).meta({ title: 'Webhook' });
const deliveryFailure = z
  .string()
  .describe("the failure's category only: timeout, connection refused, TLS, connection failed, 'HTTP 503', or 'not allowed: ...' (the address rule)");
export const webhookSecretAnswer = z
  .object({
    webhookId: z.string(),
    secret: z.string().describe('the new secret, shown this once: deliveries are signed with it from now on'),
    previousSecretExpiresAt: isoTime.describe('until when the replaced secret signs too (a second v1= value in X-Turnaround-Signature)'),
  })
  .meta({ title: 'WebhookSecret' });
export const webhookTestAnswer = z
  .object({
    webhookId: z.string(),
    eventId: z.string().describe('X-Turnaround-Event of the ping (type WebhookTest)'),
    delivered: z.boolean().describe('the receiver answered 2xx'),
    failure: deliveryFailure.nullable(),
  })
  .meta({ title: 'WebhookTestResult' });
export const deliveryAnswer = z
  .object({
    deliveryId: z.number().int(),
    webhookId: z.string(),
    eventId: z.string(),
    status: z.enum(['pending', 'delivered', 'dead']),
    attempts: z.number().int(),
    nextAttemptAt: isoTime,
    lastError: deliveryFailure.nullable(),
    deliveredAt: isoTime.nullable(),
    payload: z.unknown(),
  })
  .meta({ title: 'WebhookDelivery' });

export const metricDefinitionAnswer = z
  .looseObject({ name: z.string(), family: z.string(), source: z.string(), direction: z.string(), numerator: z.string(), denominator: z.string() })
  .meta({ title: 'MetricDefinition' });
export const profileAnswer = z.looseObject({ name: z.string() }).meta({ title: 'FeedProfile' });
export const healthAnswer = z.looseObject({ status: z.string() }).meta({ title: 'Health' });

/** Request bodies that are not events. */
export const acknowledgementBody = z.object({ note: z.string().trim().min(1, 'expected a note saying what the district does about the alert').max(2000) });
export const webhookBody = z.object({
  url: z.string().describe('https, resolving to public addresses only (README "Webhooks")'),
  secret: z.string().min(16).describe('the shared secret deliveries are signed with (at least 16 characters); never shown again'),
});
