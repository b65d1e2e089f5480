import { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeException } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ValidationError } from '@turnaround/domain';
import { AccessGuard } from './access';

/** A JSON body limit for the routes `route` matches (method and path), and what to send instead of a larger body. */
export interface JsonBodyLimit {
  route: (method: string, path: string) => boolean;
  bytes: number;
  instead: string;
  /**
   * The route of the access matrix (`POST /api/v1/feeds/:kind`) whose grant a caller must have
   * before the body is read: a large body is parsed only for a caller allowed to send it.
   */
  admittedAs?: string;
}

/** Arrays and objects inside one another in any JSON body: deeper would overflow the stack of whatever walks it. */
export const JSON_NESTING_LIMIT = 64;

type BodyParserError = Error & { type?: string; limit?: number; length?: number };

/**
 * Parses JSON bodies with a limit per kind of route, the first that matches (the last should
 * match every route). A body over its limit is a 413 that says the limit and what to send
 * instead; a body that is not JSON, or nested deeper than JSON_NESTING_LIMIT, is a 400 on
 * `(body)`. Where the limit names `admittedAs`, the caller's key is checked first.
 */
export function useJsonBodies(app: NestExpressApplication, limits: readonly JsonBodyLimit[]): void {
  const limitOf = (request: IncomingMessage) => limits.find((limit) => limit.route(request.method ?? 'GET', pathOf(request)));
  const guard = app.get(AccessGuard);
  app.use((request: IncomingMessage, _response: ServerResponse, next: (error?: unknown) => void) => {
    const admittedAs = isJson(request) ? limitOf(request)?.admittedAs : undefined;
    if (!admittedAs) return next();
    // A refused caller is answered now; Node then discards the body it still sends, unread.
    guard.admit(request, admittedAs).then(() => next(), next);
  });
  for (const limit of limits) {
    // body-parser skips a body that an earlier parser has read, so each request is read once, under its own limit.
    app.useBodyParser('json', {
      limit: limit.bytes,
      verify: refuseDeepNesting,
      type: (request: IncomingMessage) => isJson(request) && limitOf(request) === limit,
    });
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

/**
 * Runs over the raw body before JSON.parse (which is iterative and takes any depth) and refuses
 * one nested deeper than JSON_NESTING_LIMIT, before anything recursive meets it. Counts brackets
 * outside strings; in UTF-8 no byte of a multi-byte character is a bracket, quote or backslash.
 */
function refuseDeepNesting(_request: IncomingMessage, _response: ServerResponse, body: Buffer, encoding: string): void {
  const bytes = /^utf-?8$/i.test(encoding) ? body : utf8Of(body, encoding);
  let depth = 0;
  let inString = false;
  for (let at = 0; at < bytes.length; at += 1) {
    const byte = bytes[at];
    if (inString) {
      if (byte === BACKSLASH) at += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      depth += 1;
      if (depth > JSON_NESTING_LIMIT)
        throw ValidationError.of('(body)', `expected JSON nested at most ${JSON_NESTING_LIMIT} levels deep (arrays and objects), got deeper at byte ${at}`);
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth -= 1;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

function utf8Of(body: Buffer, encoding: string): Buffer {
  try {
    return Buffer.from(new TextDecoder(encoding).decode(body));
  } catch {
    throw ValidationError.of('(body)', `expected JSON in UTF-8 or UTF-16, got charset ${encoding}`);
  }
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
