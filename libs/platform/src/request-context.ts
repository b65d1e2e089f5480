import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventSource, roleName, ValidationError } from '@turnaround/domain';
import { Principal } from './access/api-keys';

/** Who asked and through what: becomes the metadata of the events a request appends. */
export interface RequestContext {
  /** The verified API key and its role (`actorOf`), never a name the client typed. */
  actor: string;
  /** The client's own `x-actor` text, kept beside the actor as a note. */
  actorNote?: string;
  correlationId: string;
  source: EventSource;
}

/** How an event names the API key that caused it: `key 1a2b3c4d5e6f (district:D-0281)`. */
export function actorOf(principal: Principal): string {
  return `key ${principal.keyId} (${roleName(principal.role)})`;
}

/**
 * A client's `x-correlation-id` goes into the metadata of every event its request appends (each
 * record of a push): an id, not a payload (docs/architecture.md#operations-and-security).
 */
const CORRELATION_ID = /^[A-Za-z0-9._:/+=@-]{1,128}$/;

function correlationIdOf(header: string | undefined): string {
  if (header === undefined) return randomUUID();
  if (!CORRELATION_ID.test(header))
    throw ValidationError.of(
      'x-correlation-id',
      `expected at most 128 characters, each a letter, digit or one of . _ : / + = @ - (a UUID, say); got ${header.length} characters: '${header.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')}${header.length > 40 ? '…' : ''}'`,
    );
  return header;
}

/** A client's `x-actor` note is kept with every event of its request too: a name, not a payload. */
const ACTOR_NOTE_LIMIT = 200;

function actorNoteOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  if (header.length > ACTOR_NOTE_LIMIT || [...header].some((character) => character < ' ' || character === '\u007f'))
    throw ValidationError.of(
      'x-actor',
      `expected at most ${ACTOR_NOTE_LIMIT} characters without control characters (a person's or system's name); got ${header.length} characters`,
    );
  return header;
}

export const RequestCtx = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<{ header(name: string): string | undefined; principal?: Principal }>();
  // The access guard verified the key before any handler runs; a route without one has no actor to record.
  if (!request.principal) throw new Error('RequestCtx on a route without a verified API key');
  const note = actorNoteOf(request.header('x-actor'));
  return {
    actor: actorOf(request.principal),
    ...(note ? { actorNote: note } : {}),
    correlationId: correlationIdOf(request.header('x-correlation-id')),
    source: { channel: 'http' },
  };
});

/** A sub-resource's body takes its id from the path; a different id in the body is an error, not silently replaced. */
export function bodyWithPathId(body: unknown, field: string, id: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw ValidationError.of('(body)', 'expected a JSON object');
  const given = (body as Record<string, unknown>)[field];
  if (given !== undefined && given !== id) throw ValidationError.of(field, `expected '${id}' as in the path, or no ${field} at all`);
  return { ...body, [field]: id };
}
