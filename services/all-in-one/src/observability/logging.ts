import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Logger, LoggerService } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';

/** The ids of the request a log line was written in. */
interface RequestIds {
  requestId: string;
  correlationId: string;
}

const requestIds = new AsyncLocalStorage<RequestIds>();

/** What these middlewares read of Express's request: its path, and the route it matched once routing is done. */
export type HttpRequest = IncomingMessage & { path: string; originalUrl: string; route?: { path?: unknown } };
export type HttpMiddleware = (request: HttpRequest, response: ServerResponse, next: () => void) => void;

/** A request id the client sends is echoed in the answer: only a short plain one is taken. */
const CLIENT_REQUEST_ID = /^[\w.:@/-]{1,128}$/;

/**
 * NestJS's logger in production: one JSON object a line through pino, with the request and
 * correlation ids of the request it was written in. NestJS calls `log(message, context)`, and
 * `error(message, stack, context)`.
 */
export class JsonLogger implements LoggerService {
  private readonly pino: pino.Logger;

  constructor(destination: pino.DestinationStream = pino.destination(1)) {
    this.pino = pino(
      {
        base: { service: 'turnaround-monitor' },
        level: 'debug',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        mixin: () => ({ ...requestIds.getStore() }),
      },
      destination,
    );
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (level === 'error' && typeof rest[0] === 'string') fields.stack = rest.shift();
    if (rest.length > 0) fields.details = rest;
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, message.message);
    else if (message !== null && typeof message === 'object') this.pino[level]({ ...fields, ...message });
    else this.pino[level](fields, String(message));
  }
}

/**
 * Gives each request an id (`x-request-id`, the client's when it sent a sane one) and a
 * correlation id (`x-correlation-id`, else the request id, which the events it appends then
 * carry too), keeps both for every line logged while it runs, and logs one line when it ends.
 * Probes and scrapes are left out of that line: they come every few seconds and say nothing.
 */
export function requestLogging(): HttpMiddleware {
  const logger = new Logger('HTTP');
  return (request, response, next) => {
    const sentId = request.headers['x-request-id'];
    const requestId = typeof sentId === 'string' && CLIENT_REQUEST_ID.test(sentId) ? sentId : randomUUID();
    const sentCorrelation = request.headers['x-correlation-id'];
    const correlationId = typeof sentCorrelation === 'string' && sentCorrelation ? sentCorrelation : requestId;
    request.headers['x-correlation-id'] = correlationId;
    response.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    const ids = { requestId, correlationId };
    response.on('finish', () => {
      if (request.path === '/metrics' || request.path.startsWith('/health')) return;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      requestIds.run(ids, () =>
        logger.log({ msg: `${request.method} ${request.originalUrl} ${response.statusCode}`, method: request.method, route: routeOf(request), status: response.statusCode, durationMs: Math.round(durationMs * 10) / 10 }),
      );
    });
    requestIds.run(ids, next);
  };
}

/** The route pattern a request matched (`/api/v1/zones/:zoneId`): bounded, unlike its path. */
export function routeOf(request: HttpRequest): string {
  const path = request.route?.path;
  return typeof path === 'string' ? path : '(unmatched)';
}
