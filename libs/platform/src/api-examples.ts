import {
  assessmentResultsReported,
  attendanceReported,
  clusterFormed,
  contractRenewed,
  contractTerminated,
  indicatorReported,
  partnerRegistered,
  performanceContractSigned,
  schoolAssignedToCluster,
  schoolLeftCluster,
  schoolMovedDistrict,
  schoolRegistered,
  schoolRenamed,
  staffingReported,
  targetAmendmentSchema,
  zoneDistrictsChanged,
  zoneEstablished,
  zoneRenamed,
} from '@turnaround/domain';
import type { z } from 'zod';
import { apiKeyAnswer, issuedKeyAnswer, keyRequestBody } from './access/api-keys';
import {
  acknowledgementBody,
  alertAnswer,
  batchAnswer,
  clusterAnswer,
  clusterWithMembersAnswer,
  comparisonMeanAnswer,
  contractAnswer,
  contractChangeAnswer,
  deliveryAnswer,
  errorAnswer,
  feedAnswer,
  feedRecordsAnswer,
  healthAnswer,
  metricDefinitionAnswer,
  metricReadingAnswer,
  partnerAnswer,
  partnerScorecardAnswer,
  profileAnswer,
  rejectionsAnswer,
  retractionAnswer,
  retractionBody,
  schoolAnswer,
  schoolWithMembershipsAnswer,
  scorecardAnswer,
  scorecardLineAnswer,
  webhookAnswer,
  webhookBody,
  webhookSecretAnswer,
  webhookTestAnswer,
  zoneAnswer,
} from './api-schemas';
import { alertMessageData } from './alert-messages';
import { emailDeliveryBody, emailMessageAnswer, emailRecipientAnswer, emailRecipientBody } from './district-email.port';

/**
 * The OpenAPI document's examples, one per request or answer schema (ApiBodyFrom, ApiAnswer),
 * with the demo's kind of ids: zone Z-DEMO, cluster C-NORTH, school S-0001 of district D-0281,
 * partner P-LEAD, contract K-2023-NORTH. test/e2e/openapi.e2e.spec.ts checks each against its schema.
 */

const KNOWN_AT = '2024-03-15T14:02:11.482Z';
const ALERT_ID = 'A-3f1c9e2a7b4d5c6e8f901a2b';
/** An alert as it was raised: what its answer and its message have in common. */
const raisedAlert = {
  alertId: ALERT_ID,
  schoolId: 'S-0001',
  contractId: 'K-2023-NORTH',
  partnerId: 'P-LEAD',
  districtIds: ['D-0281'],
  metric: 'attendance_rate',
  contractYear: 1,
  schoolYear: '2023-24',
  checkpoint: 'early_warning',
  target: 0.93,
  actual: 0.912,
  raisedActual: 0.912,
  severity: 'warning',
};
const BATCH_ID = '0b6f1d2e-8c44-4a51-9e37-5a0c2f7d91b3';
const WEBHOOK_ID = '5d2c7a1b-9e04-4c1f-8a3b-0f6e2d9c4b71';

export const zoneExample = { zoneId: 'Z-DEMO', stateCode: 'MA', name: 'Springfield Empowerment Zone', districtIds: ['D-0281'] };
export const clusterExample = { clusterId: 'C-NORTH', zoneId: 'Z-DEMO', name: 'North middle schools' };
export const schoolExample = { schoolId: 'S-0001', districtId: 'D-0281', name: 'Chestnut Middle School', gradeSpan: '06-08', ncesId: '251104001234' };
const membership = { clusterId: 'C-NORTH', fromYear: '2023-24', untilYear: null, strategy: 'transformation' };
export const partnerExample = { partnerId: 'P-LEAD', name: 'Lead Partner for Middle Schools', role: 'lead' };
const target = { metric: 'attendance_rate', contractYear: 1, kind: 'absolute', value: 0.93, scope: 'school' };
const gapTarget = { metric: 'proficiency.math', contractYear: 2, kind: 'gap_closure', value: 0.25, scope: 'cluster', goal: 'stateAverage' };
export const contractRequestExample = {
  contractId: 'K-2023-NORTH',
  partnerId: 'P-LEAD',
  clusterId: 'C-NORTH',
  schoolIds: ['S-0001', 'S-0002'],
  governance: 'district_lead_partner',
  startYear: '2023-24',
  termYears: 3,
  baselineYear: '2022-23',
  targets: [target, gapTarget],
};
const targetsInForce = [
  { ...target, since: '2023-08-01T12:00:00.000Z', setBy: 'signed' },
  { ...gapTarget, since: '2024-01-10T09:30:00.000Z', setBy: 'amendment 1' },
];
const contractExample = { ...contractRequestExample, targets: targetsInForce, status: 'active', terminatedAt: null, terminationReason: null };

const scorecardLine = {
  scope: 'school',
  subjectId: 'S-0001',
  metric: 'attendance_rate',
  contractYear: 1,
  schoolYear: '2023-24',
  kind: 'absolute',
  status: 'at_risk',
  threshold: 0.93,
  baseline: 0.9,
  actual: 0.912,
  evidence: 'leading',
  target: { metric: 'attendance_rate', contractYear: 1, kind: 'absolute', value: 0.93, scope: 'school' },
  targetSince: '2023-08-01T12:00:00.000Z',
  knownAt: KNOWN_AT,
};
const contractHeading = {
  contractId: 'K-2023-NORTH',
  partnerId: 'P-LEAD',
  clusterId: 'C-NORTH',
  status: 'active',
  termination: null,
  startYear: '2023-24',
  baselineYear: '2022-23',
  termYears: 3,
};

const counts = { accepted: 5, duplicates: 0, restated: 0, reinstated: 1, skipped: 2, rejectedRows: 2 };
const listings = {
  reinstatedKeys: ['S-0001/2023-24/spring/mcas/math/06/all'],
  warnings: [
    {
      row: 4,
      field: 'schoolId',
      schoolId: 'S-0777',
      message: "school 'S-0777' is not registered: its records are stored as a comparison school's (register it, or check the id)",
    },
  ],
  warningCount: 1,
};
const rejected = [
  { row: 8, field: 'Num Level 3 and 4 (proficient)', message: 'expected at most the number tested (30), got 31' },
  { row: 9, field: 'Number Tested (tested)', message: "expected a number, got 'thirty'" },
];
const batchExample = {
  batchId: BATCH_ID,
  feed: 'assessment',
  profile: 'nyc-doe-math',
  channel: 'http',
  actor: 'key:3f9a0c51be27 (data-team)',
  status: 'completed',
  startedAt: '2024-03-15T14:02:10.903Z',
  finishedAt: KNOWN_AT,
  batchIssues: [],
  ...counts,
  ...listings,
};
const apiKeyExample = {
  keyId: '3f9a0c51be27',
  name: 'Springfield district office',
  role: 'district:D-0281',
  createdAt: '2024-02-01T10:00:00.000Z',
  expiresAt: '2026-06-30T00:00:00.000Z',
  revokedAt: null,
};

/** One record of each feed, as a JSON push sends it (the fields of the feed's event). */
export const FEED_RECORD_EXAMPLES = {
  assessment: {
    schoolId: 'S-0001',
    schoolYear: '2023-24',
    window: 'spring',
    assessment: 'MCAS',
    subject: 'math',
    grade: 'all',
    studentGroup: 'all',
    tested: 412,
    proficient: 131,
    meanScaleScore: 487.2,
  },
  attendance: {
    schoolId: 'S-0001',
    schoolYear: '2023-24',
    periodStart: '2023-09-01',
    periodEnd: '2023-09-30',
    membershipDays: 9000,
    attendanceDays: 8460,
    enrollment: 450,
    chronicallyAbsent: 60,
  },
  staffing: {
    schoolId: 'S-0001',
    schoolYear: '2023-24',
    asOf: '2023-10-01',
    teachers: 38,
    teachersReturning: 29,
    newHires: 9,
    vacancies: 2,
    principalNew: false,
  },
  indicators: { schoolId: 'S-0001', schoolYear: '2023-24', indicator: 'dropouts', numerator: 12, denominator: 410 },
} as const;

/** Each schema's example; arrays of it are made where an answer is a list. */
export const API_EXAMPLES: ReadonlyMap<z.ZodType, unknown> = new Map<z.ZodType, unknown>([
  [emailRecipientBody, { address: 'turnaround@d-0281.k12.example', delivery: 'digest', digestHour: 7, timeZone: 'America/New_York' }],
  [emailDeliveryBody, { delivery: 'immediate' }],
  [
    emailRecipientAnswer,
    {
      recipientId: 'R-3f9c2a71',
      districtId: 'D-0281',
      address: 'turnaround@d-0281.k12.example',
      delivery: 'digest',
      digestHour: 7,
      timeZone: 'America/New_York',
      status: 'confirmed',
      createdAt: '2024-09-03T14:02:11.000Z',
      confirmedAt: '2024-09-03T14:09:40.000Z',
    },
  ],
  [
    emailMessageAnswer,
    {
      messageId: 42,
      recipientId: 'R-3f9c2a71',
      address: 'turnaround@d-0281.k12.example',
      eventId: '7d1e6a0c-2f4b-4c1e-9a55-0b1f3c9e2d17',
      kind: 'alert',
      digest: true,
      status: 'sent',
      sendAt: '2024-07-04T11:00:00.000Z',
      attempts: 1,
      nextAttemptAt: '2024-07-04T11:00:00.000Z',
      lastError: null,
      sentAt: '2024-07-04T11:00:02.000Z',
    },
  ],
  [
    errorAnswer,
    { error: 'validation', message: 'the request is not valid', issues: [{ field: 'stateCode', message: 'expected a two-letter state code such as "MA"' }] },
  ],
  [healthAnswer, { status: 'ok', database: 'postgres' }],

  [zoneEstablished.schema, zoneExample],
  [zoneAnswer, zoneExample],
  [clusterFormed.schema, clusterExample],
  [clusterAnswer, clusterExample],
  [clusterWithMembersAnswer, { ...clusterExample, members: [{ schoolId: 'S-0001', fromYear: '2023-24', untilYear: null, strategy: 'transformation' }] }],
  [schoolRegistered.schema, schoolExample],
  [schoolAnswer, schoolExample],
  [schoolWithMembershipsAnswer, { ...schoolExample, memberships: [membership] }],
  [schoolAssignedToCluster.schema, { schoolId: 'S-0001', clusterId: 'C-NORTH', fromYear: '2023-24', strategy: 'transformation' }],
  [schoolLeftCluster.schema, { schoolId: 'S-0001', clusterId: 'C-NORTH', fromYear: '2025-26' }],
  [zoneRenamed.schema, { zoneId: 'Z-DEMO', name: 'Springfield Empowerment Zone (north)' }],
  [zoneDistrictsChanged.schema, { zoneId: 'Z-DEMO', districtIds: ['D-0281', 'D-0282'] }],
  [schoolRenamed.schema, { schoolId: 'S-0001', name: 'Chestnut Street Middle School' }],
  [schoolMovedDistrict.schema, { schoolId: 'S-0001', districtId: 'D-0282' }],
  [partnerRegistered.schema, partnerExample],
  [partnerAnswer, partnerExample],
  [performanceContractSigned.schema, contractRequestExample],
  [contractAnswer, contractExample],
  [
    targetAmendmentSchema,
    {
      contractId: 'K-2023-NORTH',
      targets: [{ ...target, contractYear: 2, value: 0.94 }],
      remove: [{ metric: 'proficiency.math', contractYear: 2, scope: 'cluster' }],
      reason: 'Board vote of 2024-01-09: attendance first',
    },
  ],
  [contractRenewed.schema, { contractId: 'K-2023-NORTH', additionalYears: 2, targets: [{ ...target, contractYear: 4, value: 0.95 }] }],
  [contractTerminated.schema, { contractId: 'K-2023-NORTH', reason: 'The partner withdrew at the end of the school year' }],
  [
    contractChangeAnswer,
    {
      change: 'amended',
      label: 'amendment 1',
      knownAt: '2024-01-10T09:30:00.000Z',
      reason: 'Board vote of 2024-01-09: attendance first',
      additionalYears: null,
      targets: [{ ...target, contractYear: 2, value: 0.94, before: { kind: 'absolute', value: 0.93 } }],
      removed: [{ metric: 'proficiency.math', contractYear: 2, scope: 'cluster' }],
    },
  ],

  [keyRequestBody, { name: 'Springfield district office', role: 'district:D-0281', expiresAt: '2026-06-30' }],
  [apiKeyAnswer, apiKeyExample],
  [issuedKeyAnswer, { ...apiKeyExample, key: 'tm_3f9a0c51be27_Qm9hZ3lKcDZ4dTN6V1lBbXJkS0V5cWZ0T2JGR2NwN2Rz' }],

  [
    metricReadingAnswer,
    {
      metric: 'attendance_rate',
      schoolYear: '2023-24',
      numerator: 8460,
      denominator: 9000,
      rate: 0.94,
      suppressed: false,
      partial: false,
      final: false,
      through: '2023-09-30',
      schools: 1,
      knownAt: KNOWN_AT,
      smallNumber: false,
      withheld: false,
    },
  ],
  [comparisonMeanAnswer, { metric: 'attendance_rate', schoolYear: '2023-24', mean: 0.928, schools: 214, withheld: false }],
  [
    metricDefinitionAnswer,
    {
      name: 'attendance_rate',
      family: 'attendance_rate',
      source: 'attendance',
      direction: 'higher_is_better',
      isRate: true,
      numerator: 'attendance days, year to date',
      denominator: 'membership days, year to date',
      window: 'every reported period so far; final when the periods reach June 30',
    },
  ],
  [scorecardLineAnswer, scorecardLine],
  [scorecardAnswer, { ...contractHeading, asOf: KNOWN_AT, lines: [scorecardLine] }],
  [
    partnerScorecardAnswer,
    {
      partnerId: 'P-LEAD',
      asOf: KNOWN_AT,
      contracts: [{ ...contractHeading, lines: [{ ...scorecardLine, scope: 'cluster', subjectId: 'C-NORTH' }] }],
      years: [{ schoolYear: '2023-24', met: 0, missed: 0, atRisk: 1, onTrack: 0, pending: 0 }],
    },
  ],

  [
    alertAnswer,
    {
      ...raisedAlert,
      clusterId: null,
      status: 'acknowledged',
      raisedAt: KNOWN_AT,
      resolvedAt: null,
      resolution: null,
      acknowledgements: [
        { by: '3f9a0c51be27', byName: 'Springfield district office', note: 'Attendance coach in place from April 1', at: '2024-03-18T08:45:00.000Z' },
      ],
    },
  ],
  [acknowledgementBody, { note: 'Attendance coach in place from April 1' }],
  [
    alertMessageData,
    {
      type: 'OffTrackAlertRaised',
      eventId: '9b2e4f7a-1c3d-4e5f-8a6b-7c8d9e0f1a2b',
      recordedAt: KNOWN_AT,
      ...raisedAlert,
    },
  ],

  [
    feedAnswer,
    {
      batchId: BATCH_ID,
      dryRun: false,
      feed: 'assessment',
      profile: 'nyc-doe-math',
      status: 'completed',
      ...counts,
      ...listings,
      rejected,
      rejectedTruncated: false,
    },
  ],
  [batchAnswer, batchExample],
  [
    rejectionsAnswer,
    {
      batch: batchExample,
      rejections: [{ row: 8, record: { DBN: 'S-0001', Grade: '6', Year: '2010', 'Number Tested': '30', 'Num Level 3 and 4': '31' }, issues: [rejected[0]] }],
      nextAfterRow: null,
    },
  ],
  [retractionBody, { naturalKey: 'S-0001/2023-09-01/2023-09-30', reason: 'The district re-counted September attendance; the corrected file follows' }],
  [retractionAnswer, { retracted: true, naturalKey: 'S-0001/2023-09-01/2023-09-30' }],
  [
    feedRecordsAnswer,
    {
      feed: 'attendance',
      schoolId: 'S-0001',
      schoolYear: '2023-24',
      asOf: null,
      records: [
        {
          naturalKey: 'S-0001/2023-09-01/2023-09-30',
          record: FEED_RECORD_EXAMPLES.attendance,
          batchId: BATCH_ID,
          channel: 'http',
          actor: 'key 3f9a0c51be27 (data-team)',
          knownAt: KNOWN_AT,
          firstKnownAt: '2023-10-05T09:12:40.118Z',
          versions: 2,
          retracted: false,
          retraction: null,
        },
      ],
      nextAfter: null,
    },
  ],
  [profileAnswer, { name: 'canonical', description: "The service's own format: the header row holds the field names of the feed's event" }],

  [webhookBody, { url: 'https://alerts.springfield.k12.ma.us/turnaround', secret: 'a-long-shared-secret-of-the-district' }],
  [
    webhookAnswer,
    { webhookId: WEBHOOK_ID, districtId: 'D-0281', url: 'https://alerts.springfield.k12.ma.us/turnaround', createdAt: '2024-02-01T10:05:00.000Z' },
  ],
  [webhookSecretAnswer, { webhookId: WEBHOOK_ID, secret: 'whsec_9c1e7f0b3a5d4e2f8b6a0c1d2e3f4a5b', previousSecretExpiresAt: '2024-03-17T14:02:11.482Z' }],
  [webhookTestAnswer, { webhookId: WEBHOOK_ID, eventId: '7e5d3c1b-2a4f-4e6d-9b8c-1a0f2e3d4c5b', delivered: true, failure: null }],
  [
    deliveryAnswer,
    {
      deliveryId: 41,
      webhookId: WEBHOOK_ID,
      eventId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      status: 'delivered',
      attempts: 1,
      nextAttemptAt: KNOWN_AT,
      lastError: null,
      deliveredAt: '2024-03-15T14:02:12.020Z',
      payload: { type: 'OffTrackAlertRaised', data: { alertId: ALERT_ID, schoolId: 'S-0001', metric: 'attendance_rate', severity: 'warning' } },
    },
  ],

  [assessmentResultsReported.schema, FEED_RECORD_EXAMPLES.assessment],
  [attendanceReported.schema, FEED_RECORD_EXAMPLES.attendance],
  [staffingReported.schema, FEED_RECORD_EXAMPLES.staffing],
  [indicatorReported.schema, FEED_RECORD_EXAMPLES.indicators],
]);
