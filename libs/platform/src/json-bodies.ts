import { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeException } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ValidationError } from '@turnaround/domain';

/** A JSON body limit for the routes `route` matches (method and path), and what to send instead of a larger body. */
export interface JsonBodyLimit {
  route: (method: string, path: string) => boolean;
  bytes: number;
  instead: string;
}

type BodyParserError = Error & { type?: string; limit?: number; length?: number };

/**
 * Parses JSON bodies with a limit per kind of route, the first that matches (the last should
 * match every route). A body over its limit is a 413 that says the limit and what to send
 * instead; a body that is not JSON is a 400 on `(body)`.
 */
export function useJsonBodies(app: NestExpressApplication, limits: readonly JsonBodyLimit[]): void {
  const limitOf = (request: IncomingMessage) => limits.find((limit) => limit.route(request.method ?? 'GET', pathOf(request)));
  for (const limit of limits) {
    // body-parser skips a body that an earlier parser has read, so each request is read once, under its own limit.
    app.useBodyParser('json', { limit: limit.bytes, type: (request: IncomingMessage) => isJson(request) && limitOf(request) === limit });
  }
  // An error middleware (four arguments) right after the parsers: it sees their errors before any route does.
  app.use((error: BodyParserError, request: IncomingMessage, _response: ServerResponse, next: (error: unknown) => void) => {
    const limit = limitOf(request);
    if (error.type === 'entity.too.large' && limit) {
      const size = error.length !== undefined ? ` (${megabytes(error.length)})` : '';
      next(new PayloadTooLargeException(`the JSON body${size} is larger than the ${megabytes(limit.bytes)} this endpoint takes; ${limit.instead}`));
    } else if (error.type === 'entity.parse.failed') next(ValidationError.of('(body)', `expected JSON: ${error.message}`));
    else next(error);
  });
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0];
}

function isJson(request: IncomingMessage): boolean {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/json';
}

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB` : `${Math.round(bytes / 1024)} kB`;
}
