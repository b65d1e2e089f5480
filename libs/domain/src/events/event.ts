import { z } from 'zod';
import { calendarDateProblem } from '../calendar';

/**
 * An event type: its name (past tense), the version of its payload schema, and that schema.
 * The schema is the one runtime check of the payload, used by every entry point: HTTP, Kafka,
 * CLI and replay.
 */
export interface EventType<Type extends string = string, Schema extends z.ZodType = z.ZodType> {
  type: Type;
  schemaVersion: number;
  schema: Schema;
  /** Turns a stored payload of an older version into the next version's: `{1: v1 -> v2, 2: v2 -> v3}`. */
  upcasters: Readonly<Record<number, (data: never) => unknown>>;
}

export function defineEvent<Type extends string, Schema extends z.ZodType>(
  type: Type,
  schemaVersion: number,
  schema: Schema,
  upcasters: Readonly<Record<number, (data: never) => unknown>> = {},
): EventType<Type, Schema> {
  return { type, schemaVersion, schema, upcasters };
}

/** The typed event value of an event type: `{ type, data }`. */
export type EventOf<Definition> = Definition extends EventType<infer Type, infer Schema> ? { type: Type; data: z.infer<Schema> } : never;

/** Where a fact came from: which channel, which feed file or message batch, which record in it. */
export interface EventSource {
  channel: 'http' | 'kafka' | 'cli' | 'system';
  feed?: string;
  batchId?: string;
  recordKey?: string;
}

/**
 * Stored with every event. `recordedAt` is knowledge time: when the service learned the fact,
 * which is when the event's transaction entered the log. The event store stamps it, in log
 * order (see `AppendMetadata`).
 */
export interface EventMetadata {
  recordedAt: string;
  source: EventSource;
  correlationId: string;
  actor: string;
}

/**
 * What a writer hands the event store with an event. The store stamps `recordedAt` itself as
 * the event's transaction takes its place in the log, so knowledge time follows log order
 * whatever the writers' interleaving. Only a derived event names its own: an alert is known
 * from the knowledge time of the facts that caused it, which the log already holds.
 */
export type AppendMetadata = Omit<EventMetadata, 'recordedAt'> & { recordedAt?: string };

/** State's own stable ids: letters, digits and `._:-`, as state school codes and NCES ids are written. */
export const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'expected an id of 1-64 letters, digits or ._:- starting with a letter or digit');

export const nameSchema = z.string().trim().min(1, 'expected a non-empty name').max(200, 'expected at most 200 characters');

/** Subjects, indicators and assessments are lower-case names (`math`, `ela`, `dropouts`). */
export const slugSchema = z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower-case name of letters, digits and _ (e.g. "math")');

/** A calendar date written YYYY-MM-DD: a day the calendar has, of a year from 1900 to 2100 (calendarDateProblem). */
export const isoDateSchema = z.string().superRefine((text, context) => {
  const problem = calendarDateProblem(text);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

export const countSchema = z.number().int('expected a whole number').nonnegative('expected a count of 0 or more');
export const amountSchema = z.number().finite().nonnegative('expected a number of 0 or more');
