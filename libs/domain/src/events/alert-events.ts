import { z } from 'zod';
import { schoolYearSchema } from '../school-year';
import { defineEvent, EventOf, idSchema, nameSchema } from './event';

/** Off-track alerts (DESIGN.md section 7): exactly one per contract, subject, metric, contract year and checkpoint. */

export const CHECKPOINTS = ['early_warning', 'year_end'] as const;
export const SEVERITIES = ['warning', 'serious', 'critical'] as const;

export const offTrackAlertRaised = defineEvent(
  'OffTrackAlertRaised',
  1,
  z
    .strictObject({
      alertId: idSchema,
      schoolId: idSchema.optional(),
      clusterId: idSchema.optional(),
      contractId: idSchema,
      partnerId: idSchema,
      districtId: idSchema,
      metric: z.string().min(1),
      contractYear: z.number().int().min(1),
      schoolYear: schoolYearSchema,
      checkpoint: z.enum(CHECKPOINTS),
      target: z.number().finite(),
      actual: z.number().finite(),
      severity: z.enum(SEVERITIES),
    })
    .refine((alert) => (alert.schoolId === undefined) !== (alert.clusterId === undefined), {
      message: 'expected exactly one of schoolId and clusterId',
      path: ['schoolId'],
    }),
);

export const offTrackAlertAcknowledged = defineEvent(
  'OffTrackAlertAcknowledged',
  1,
  z.strictObject({ alertId: idSchema, by: nameSchema, note: z.string().max(2000) }),
);

export const offTrackAlertResolved = defineEvent(
  'OffTrackAlertResolved',
  1,
  z.strictObject({ alertId: idSchema, reason: nameSchema }),
);

export type OffTrackAlertRaised = EventOf<typeof offTrackAlertRaised>;
export type OffTrackAlertAcknowledged = EventOf<typeof offTrackAlertAcknowledged>;
export type OffTrackAlertResolved = EventOf<typeof offTrackAlertResolved>;
export type AlertEvent = OffTrackAlertRaised | OffTrackAlertAcknowledged | OffTrackAlertResolved;
