import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import helmet, { strictTransportSecurity } from 'helmet';
import { HttpTimeouts } from '@turnaround/platform';

type Middleware = (request: IncomingMessage & { secure: boolean }, response: ServerResponse, next: (error?: unknown) => void) => void;

/** HSTS for a year, once a browser has reached the service over https. */
const HSTS_SECONDS = 365 * 24 * 60 * 60;

/**
 * The headers every answer carries (README "Operations"), through helmet: no `X-Powered-By`,
 * `X-Content-Type-Options: nosniff`, no framing, no referrer, and a content security policy that
 * takes script from the service's own files only, never inline, so the server-rendered pages to
 * come keep their script in files too. Styles may be inline: the API docs page (Swagger UI)
 * needs it. Requests are not upgraded to https by the policy, since a deployment inside a
 * network may serve plain http; HSTS is sent where TLS ends instead: on a request Express sees as
 * https (a TLS connection here, or `X-Forwarded-Proto: https` from a proxy TRUST_PROXY names).
 * Every answer is `Cache-Control: no-store`: an API answer is one reader's view as of now,
 * for no shared or browser cache to keep.
 */
export function securityHeaders(): Middleware[] {
  const hsts = strictTransportSecurity({ maxAge: HSTS_SECONDS, includeSubDomains: false });
  return [
    helmet({
      strictTransportSecurity: false,
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'font-src': ["'self'", 'data:'],
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': null,
        },
      },
    }),
    (request, response, next) => (request.secure ? hsts(request, response, next) : next()),
    (_request, response, next) => {
      response.setHeader('cache-control', 'no-store');
      next();
    },
  ];
}

/**
 * Bounds how long a client may hold a connection without finishing its request
 * (docs/architecture.md#operations-and-security): the header by `headersMs`, the whole request by `requestMs`, and no more than
 * `idleMs` without a byte while it arrives (a stalled body). Once the request is in, the client
 * waits on the service, not the reverse, so the idle deadline is lifted until the answer is
 * sent; then a kept-alive connection waits `keepAliveMs` for the next request.
 */
export function applyServerTimeouts(server: Server, timeouts: HttpTimeouts): void {
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.setTimeout(timeouts.idleMs);
  // Node looks for requests past their header and request deadlines only this often (30 s by
  // default): four looks per header deadline close a late one within a quarter of it. NestJS
  // creates the server without options, and Node reads this property when it starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(10, Math.min(30_000, Math.floor(timeouts.headersMs / 4)));
  server.on('request', (request: IncomingMessage) => {
    if (!hasBody(request)) request.socket.setTimeout(0);
    else request.once('end', () => request.socket.setTimeout(0));
  });
}

function hasBody(request: IncomingMessage): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}
