import { z } from 'zod';
import { FieldIssue, ValidationError } from '../errors';
import { AlertEvent, offTrackAlertAcknowledged, offTrackAlertRaised, offTrackAlertReopened, offTrackAlertResolved } from './alert-events';
import { EventType } from './event';
import {
  assessmentResultsReported,
  attendanceReported,
  FeedBatchClosed,
  feedBatchClosed,
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

export type TurnaroundEvent = RegistryEvent | FeedEvent | FeedBatchClosed | AlertEvent;

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
  feedBatchClosed,
  offTrackAlertRaised,
  offTrackAlertAcknowledged,
  offTrackAlertResolved,
  offTrackAlertReopened,
];

const byType = new Map(EVENT_TYPES.map((definition) => [definition.type, definition]));

export function eventType(type: string): EventType | undefined {
  return byType.get(type);
}

/** Turns a schema failure into field issues that name the field and what was expected, in a data team's words. */
export function fieldIssues(error: z.ZodError, row?: number): FieldIssue[] {
  const at = row === undefined ? {} : { row };
  return error.issues.flatMap((issue) => {
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ ...at, field: path ? `${path}.${key}` : key, message: 'unknown field: expected only the fields of the record (see the API docs)' }));
    return [{ ...at, field: path || '(record)', message: plainMessage(issue.message) }];
  });
}

/** zod's own wording ("Invalid input: expected number, received undefined") said the way this service says it. */
function plainMessage(message: string): string {
  const type = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  if (type) return type[2] === 'undefined' ? `expected a ${type[1]}, got nothing (the field is missing or its cell is empty)` : `expected a ${type[1]}, got a ${type[2]}`;
  return message.replace(/^Invalid (input|option): /, '').replace(/"\|"/g, '", "');
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
  let version = schemaVersion;
  let payload = data;
  while (version < definition.schemaVersion && definition.upcasters[version]) payload = definition.upcasters[version++](payload as never);
  if (version !== definition.schemaVersion)
    throw ValidationError.of('schemaVersion', `no upcaster from ${type} v${schemaVersion} to v${definition.schemaVersion}`);
  return { type, data: parseWith(definition.schema, payload) } as TurnaroundEvent;
}
