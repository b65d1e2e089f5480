import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventSource, ValidationError } from '@turnaround/domain';

/** Who asked and through what: becomes the metadata of the events a request appends. */
export interface RequestContext {
  actor: string;
  correlationId: string;
  source: EventSource;
}

export const RequestCtx = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<{ header(name: string): string | undefined }>();
  return {
    actor: request.header('x-actor') ?? 'anonymous',
    correlationId: request.header('x-correlation-id') ?? randomUUID(),
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
