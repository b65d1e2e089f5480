import { z } from 'zod';
import { schoolYearSchema } from '../school-year';
import { defineEvent, EventOf, idSchema, nameSchema } from './event';

/** Off-track alerts (docs/alerts.md): exactly one per contract, subject, metric, contract year and checkpoint. */

/**
 * When in a contract year an alert is raised: docs/alerts.md names it the alert's `checkpoint`, and
 * the events keep that field name; in code it is the alert's stage, so that "checkpoint" means
 * only a position in the log.
 */
export const ALERT_STAGES = ['early_warning', 'year_end'] as const;
export const SEVERITIES = ['warning', 'serious', 'critical'] as const;

/**
 * v2: `districtIds`, every district with a school the alert concerns (a cluster can span
 * districts); v1 named one `districtId`.
 */
export const offTrackAlertRaised = defineEvent(
  'OffTrackAlertRaised',
  2,
  z
    .strictObject({
      alertId: idSchema,
      schoolId: idSchema.optional(),
      clusterId: idSchema.optional(),
      contractId: idSchema,
      partnerId: idSchema,
      districtIds: z.array(idSchema).min(1, 'expected at least one district'),
      metric: z.string().min(1),
      contractYear: z.number().int().min(1),
      schoolYear: schoolYearSchema,
      checkpoint: z.enum(ALERT_STAGES),
      target: z.number().finite(),
      actual: z.number().finite(),
      severity: z.enum(SEVERITIES),
    })
    .refine((alert) => (alert.schoolId === undefined) !== (alert.clusterId === undefined), {
      message: 'expected exactly one of schoolId and clusterId',
      path: ['schoolId'],
    }),
  { 1: ({ districtId, ...alert }: { districtId: string }) => ({ ...alert, districtIds: [districtId] }) },
);

/**
 * v2: `byName`, the name the acknowledging key was issued to, as it was then (`by` is the key's
 * id). Recorded in the fact, so every reader, replay and webhook shows it without the key
 * table. v1 did not record it: a v1 acknowledgement reads as `null`.
 */
export const offTrackAlertAcknowledged = defineEvent(
  'OffTrackAlertAcknowledged',
  2,
  z.strictObject({ alertId: idSchema, by: nameSchema, byName: nameSchema.nullable(), note: z.string().max(2000) }),
  { 1: (acknowledgement: { alertId: string; by: string; note: string }) => ({ ...acknowledgement, byName: null }) },
);

/** Why an alert is resolved without the line catching up: its target or its contract is gone. */
export const WITHDRAWAL_REASONS = ['target_withdrawn', 'contract_terminated'] as const;

/**
 * v2: `actual`, the line's value that resolved the alert (the interim that caught up, the
 * result restated above the target, the final result that closed the year missed). `null`
 * when no value resolved it: a withdrawal (its target or contract is gone), or evidence that
 * was retracted. v1 did not record the value: a v1 resolution reads as `null`.
 */
export const offTrackAlertResolved = defineEvent(
  'OffTrackAlertResolved',
  2,
  z
    .strictObject({ alertId: idSchema, reason: nameSchema, actual: z.number().finite().nullable() })
    .refine((resolution) => resolution.actual === null || !(WITHDRAWAL_REASONS as readonly string[]).includes(resolution.reason), {
      message: 'expected null: a withdrawal (target_withdrawn, contract_terminated) has no resolving value',
      path: ['actual'],
    }),
  { 1: (resolution: { alertId: string; reason: string }) => ({ ...resolution, actual: null }) },
);

/** The line entered the alert's status again after it was resolved: the same alert, open again. */
export const offTrackAlertReopened = defineEvent(
  'OffTrackAlertReopened',
  1,
  z.strictObject({ alertId: idSchema, actual: z.number().finite(), severity: z.enum(SEVERITIES) }),
);

export type OffTrackAlertRaised = EventOf<typeof offTrackAlertRaised>;
export type OffTrackAlertAcknowledged = EventOf<typeof offTrackAlertAcknowledged>;
export type OffTrackAlertResolved = EventOf<typeof offTrackAlertResolved>;
export type OffTrackAlertReopened = EventOf<typeof offTrackAlertReopened>;
export type AlertEvent = OffTrackAlertRaised | OffTrackAlertAcknowledged | OffTrackAlertResolved | OffTrackAlertReopened;
