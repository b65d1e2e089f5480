import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { bearer, TurnaroundConfig } from '@turnaround/platform';

/** The token of `Authorization: Bearer <token>`, when the request sent one that way. */
export function bearerToken(request: IncomingMessage): string | undefined {
  return bearer(request.headers.authorization);
}

/** Whether `token` is METRICS_TOKEN (a scraper's, not an API key), compared in constant time. */
export function isMetricsToken(config: TurnaroundConfig, token: string | undefined): boolean {
  if (!config.metricsToken || token === undefined) return false;
  const given = Buffer.from(token);
  const expected = Buffer.from(config.metricsToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
