import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Logger, LoggerService } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { API_KEY_TEXT } from '@turnaround/platform';

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

const REDACTED = '[redacted]';
/**
 * Query parameters a client may put a key or token in (the service reads none of them, but a
 * client may try). The value ends where the URL's next part does, or the log line's text.
 */
const SECRET_PARAMETER = /([?&](?:key|api_?key|token|access_token)=)[^&#\s"\\]*/gi;

/**
 * `text` without anything that may be a key: API keys by their look, the values of query
 * parameters named for keys and tokens, and `secrets` (the bootstrap key and the metrics token,
 * which have no look of their own).
 */
export function withoutKeys(text: string, secrets: readonly string[] = []): string {
  let clean = text.replace(API_KEY_TEXT, REDACTED).replace(SECRET_PARAMETER, `$1${REDACTED}`);
  for (const secret of secrets) clean = clean.replaceAll(secret, REDACTED);
  return clean;
}

/**
 * NestJS's logger in production: one JSON object a line through pino, with the request and
 * correlation ids of the request it was written in. NestJS calls `log(message, context)`, and
 * `error(message, stack, context)`. Keys never reach it (docs/architecture.md#operations-and-security): headers that
 * carry one are censored by path, and every line is scrubbed as it is written, since a key can
 * hide in any message, stack or URL.
 */
export class JsonLogger implements LoggerService {
  private readonly pino: pino.Logger;

  /** `secrets`: literal values to scrub besides what looks like a key (TURNAROUND_BOOTSTRAP_KEY, METRICS_TOKEN). */
  constructor(options: { destination?: pino.DestinationStream; secrets?: readonly (string | undefined)[] } = {}) {
    // As written in a JSON line: a secret with a quote or backslash is escaped there.
    const secrets = (options.secrets ?? []).filter((secret): secret is string => !!secret).map((secret) => JSON.stringify(secret).slice(1, -1));
    this.pino = pino(
      {
        base: { service: 'turnaround-monitor' },
        level: 'debug',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        mixin: () => ({ ...requestIds.getStore() }),
        redact: {
          paths: ['authorization', 'headers.authorization', 'headers["x-api-key"]', '*.headers.authorization', '*.headers["x-api-key"]'],
          censor: REDACTED,
        },
        hooks: { streamWrite: (line) => withoutKeys(line, secrets) },
      },
      options.destination ?? pino.destination(1),
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
        logger.log({
          msg: `${request.method} ${withoutKeys(request.originalUrl)} ${response.statusCode}`,
          method: request.method,
          route: routeOf(request),
          status: response.statusCode,
          durationMs: Math.round(durationMs * 10) / 10,
        }),
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
