import { z } from 'zod';
import { FieldIssue, ValidationError } from '../errors';
import { AlertEvent, offTrackAlertAcknowledged, offTrackAlertRaised, offTrackAlertResolved } from './alert-events';
import { EventType } from './event';
import {
  assessmentResultsReported,
  attendanceReported,
  FeedEvent,
  indicatorReported,
  recordRetracted,
  staffingReported,
} from './feed-events';
import {
  clusterFormed,
  contractRenewed,
  contractTargetsAmended,
  contractTerminated,
  partnerRegistered,
  performanceContractSigned,
  RegistryEvent,
  schoolAssignedToCluster,
  schoolLeftCluster,
  schoolRegistered,
  zoneEstablished,
} from './registry-events';

export type TurnaroundEvent = RegistryEvent | FeedEvent | AlertEvent;

/** Every event type the service stores, with its current schema version. */
export const EVENT_TYPES: readonly EventType[] = [
  zoneEstablished,
  clusterFormed,
  schoolRegistered,
  schoolAssignedToCluster,
  schoolLeftCluster,
  partnerRegistered,
  performanceContractSigned,
  contractTargetsAmended,
  contractRenewed,
  contractTerminated,
  assessmentResultsReported,
  attendanceReported,
  staffingReported,
  indicatorReported,
  recordRetracted,
  offTrackAlertRaised,
  offTrackAlertAcknowledged,
  offTrackAlertResolved,
];

const byType = new Map(EVENT_TYPES.map((definition) => [definition.type, definition]));

export function eventType(type: string): EventType | undefined {
  return byType.get(type);
}

/** Turns a schema failure into field issues that name the field and what was expected. */
export function fieldIssues(error: z.ZodError, row?: number): FieldIssue[] {
  return error.issues.map((issue) => ({
    ...(row === undefined ? {} : { row }),
    field: issue.path.length > 0 ? issue.path.join('.') : '(record)',
    message: issue.message,
  }));
}

/** Checks a payload against its schema; throws a ValidationError naming each bad field. */
export function parseWith<Schema extends z.ZodType>(schema: Schema, input: unknown, row?: number): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(fieldIssues(result.error, row));
  return result.data;
}

/** Checks a stored or incoming event's payload against the schema of its type and version. */
export function parseEvent(type: string, schemaVersion: number, data: unknown): TurnaroundEvent {
  const definition = byType.get(type);
  if (!definition) throw ValidationError.of('type', `unknown event type '${type}'`);
  if (definition.schemaVersion !== schemaVersion)
    throw ValidationError.of('schemaVersion', `no upcaster from ${type} v${schemaVersion} to v${definition.schemaVersion}`);
  return { type, data: parseWith(definition.schema, data) } as TurnaroundEvent;
}
