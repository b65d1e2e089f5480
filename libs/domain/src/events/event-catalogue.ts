import { z } from 'zod';
import { FieldIssue, ValidationError } from '../errors';
import { AlertEvent, offTrackAlertAcknowledged, offTrackAlertRaised, offTrackAlertReopened, offTrackAlertResolved } from './alert-events';
import { AppendMetadata, EventType } from './event';
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
  ContractEvent,
  contractRenewed,
  contractTargetsAmended,
  contractTerminated,
  partnerRegistered,
  performanceContractSigned,
  RegistryEvent,
  schoolAssignedToCluster,
  schoolLeftCluster,
  schoolMovedDistrict,
  schoolRegistered,
  schoolRenamed,
  zoneDistrictsChanged,
  zoneEstablished,
  zoneRenamed,
} from './registry-events';

export type TurnaroundEvent = RegistryEvent | FeedEvent | FeedBatchClosed | AlertEvent;

/** Every event type the service stores, with its current schema version. */
export const EVENT_TYPES: readonly EventType[] = [
  zoneEstablished,
  zoneRenamed,
  zoneDistrictsChanged,
  clusterFormed,
  schoolRegistered,
  schoolRenamed,
  schoolMovedDistrict,
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
      return issue.keys.map((key) => ({
        ...at,
        field: path ? `${path}.${key}` : key,
        message: 'unknown field: expected only the fields of the record (see the API docs)',
      }));
    return [{ ...at, field: path || '(record)', message: plainMessage(issue.message) }];
  });
}

/** zod's own wording ("Invalid input: expected number, received undefined") said the way this service says it. */
function plainMessage(message: string): string {
  const type = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  if (type)
    return type[2] === 'undefined'
      ? `expected a ${type[1]}, got nothing (the field is missing or its cell is empty)`
      : `expected a ${type[1]}, got a ${type[2]}`;
  return message.replace(/^Invalid (input|option): /, '').replace(/"\|"/g, '", "');
}

/** Checks a payload against its schema; throws a ValidationError naming each bad field. */
export function parseWith<Schema extends z.ZodType>(schema: Schema, input: unknown, row?: number): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(fieldIssues(result.error, row));
  return result.data;
}

/**
 * How a stored event is read back. `trusted`: an event stored at its type's current version is
 * taken as it is, since it was checked against that schema when it was appended (a rebuild
 * reading the whole log spares itself the second check); one upcast from an older version is
 * always checked.
 */
export interface DecodeOptions {
  trusted?: boolean;
}

/** Checks a stored or incoming event's payload against the schema of its type and version. */
export function parseEvent(type: string, schemaVersion: number, data: unknown, { trusted = false }: DecodeOptions = {}): TurnaroundEvent {
  const definition = byType.get(type);
  if (!definition) throw ValidationError.of('type', `unknown event type '${type}'`);
  if (trusted && schemaVersion === definition.schemaVersion) return { type, data } as TurnaroundEvent;
  let version = schemaVersion;
  let payload = data;
  while (version < definition.schemaVersion && definition.upcasters[version]) payload = definition.upcasters[version++](payload as never);
  if (version !== definition.schemaVersion)
    throw ValidationError.of('schemaVersion', `no upcaster from ${type} v${schemaVersion} to v${definition.schemaVersion}`);
  return { type, data: parseWith(definition.schema, payload) } as TurnaroundEvent;
}

/** A stored event as any event store hands it back: enough to decode it. */
export interface EncodedEvent {
  type: string;
  schemaVersion: number;
  data: unknown;
}

/** Decodes a stored event: upcast to its type's current version and checked against its schema (unless `trusted`). */
export function decodeEvent(stored: EncodedEvent, options: DecodeOptions = {}): TurnaroundEvent {
  return parseEvent(stored.type, stored.schemaVersion, stored.data, options);
}

/**
 * The event types one reader reads together (a projection, a publisher, an aggregate's stream),
 * taken from the definitions, and the typed union they decode to: one list per group, and no
 * `as` at the reader.
 */
export interface EventGroup<Event extends TurnaroundEvent> {
  /** What a projection or a subscription filters the log by. */
  readonly types: ReadonlySet<string>;
  /** Decodes a stored event of the group (as `decodeEvent`); one of another group is a programming error. */
  decode(stored: EncodedEvent, options?: DecodeOptions): Event;
}

function eventGroup<Event extends TurnaroundEvent>(definitions: readonly EventType<Event['type']>[]): EventGroup<Event> {
  const types: ReadonlySet<string> = new Set(definitions.map((definition) => definition.type));
  return {
    types,
    decode(stored, options) {
      if (!types.has(stored.type)) throw new TypeError(`event type '${stored.type}' is not one of ${[...types].join(', ')}`);
      return decodeEvent(stored, options) as Event;
    },
  };
}

export const CONTRACT_EVENTS = eventGroup<ContractEvent>([performanceContractSigned, contractTargetsAmended, contractRenewed, contractTerminated]);
export const REGISTRY_EVENTS = eventGroup<RegistryEvent>([
  zoneEstablished,
  zoneRenamed,
  zoneDistrictsChanged,
  clusterFormed,
  schoolRegistered,
  schoolRenamed,
  schoolMovedDistrict,
  schoolAssignedToCluster,
  schoolLeftCluster,
  partnerRegistered,
  performanceContractSigned,
  contractTargetsAmended,
  contractRenewed,
  contractTerminated,
]);
/** The feed records, and their retraction: what the metrics are computed from. */
export const FEED_RECORD_EVENTS = eventGroup<FeedEvent>([assessmentResultsReported, attendanceReported, staffingReported, indicatorReported, recordRetracted]);
export const ALERT_EVENTS = eventGroup<AlertEvent>([offTrackAlertRaised, offTrackAlertAcknowledged, offTrackAlertResolved, offTrackAlertReopened]);

/** An event ready for the store: its type's current schema version, and the metadata it is stored with. */
export interface EncodedEventToAppend extends EncodedEvent {
  metadata: AppendMetadata;
}

/**
 * Encodes a new event for the store, with its type's current schema version. With `check`,
 * its payload is first checked against the schema (a decider's output, before it is stored);
 * records already parsed by the same schema on their way in need not be checked twice.
 */
export function toAppend(event: { type: string; data: unknown }, metadata: AppendMetadata, options: { check?: boolean } = {}): EncodedEventToAppend {
  const definition = byType.get(event.type);
  if (!definition) throw new TypeError(`event type '${event.type}' is not in the catalogue`);
  return { type: event.type, schemaVersion: definition.schemaVersion, data: options.check ? parseWith(definition.schema, event.data) : event.data, metadata };
}
