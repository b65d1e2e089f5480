import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { NestExpressApplication } from '@nestjs/platform-express';
import { cookieOf, SESSION_COOKIE } from './http';
import { WebSessions } from './sessions/web-sessions';

/** A sign-in or any other form of the web is a few fields: a larger body is no form of ours. */
const FORM_BYTES = 8 * 1024;

/**
 * A feed file uploaded from a browser is read whole before its form's token is checked (the
 * session guard reads the token from the body), so it is bounded; a larger file goes through the
 * API, which streams CSV without a limit.
 */
export const UPLOAD_BYTES = 32 * 1024 * 1024;

/** The web's paths: everything outside the API. */
const isWebForm = (request: IncomingMessage) =>
  !(request.url ?? '/').startsWith('/api/') &&
  (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';

/**
 * What the web needs of the HTTP app beside its routes: its stylesheets (USWDS from its
 * package, and the web's own), served by the service itself, and the forms' bodies, read for
 * the web's paths only and under a small limit (the API takes JSON and CSV, never forms).
 */
export function serveWeb(app: NestExpressApplication): void {
  // The package's main file is dist/js/uswds.min.js; its compiled CSS, fonts and images sit beside js/.
  const uswds = join(dirname(require.resolve('@uswds/uswds')), '..');
  for (const folder of ['css', 'fonts', 'img']) app.useStaticAssets(join(uswds, folder), { prefix: `/assets/uswds/${folder}/`, index: false, maxAge: '1h' });
  app.useStaticAssets(join(__dirname, '..', 'assets'), { prefix: '/assets/', index: false, maxAge: '1h' });
  app.useBodyParser('urlencoded', { limit: FORM_BYTES, extended: false, parameterLimit: 20, type: isWebForm });
  app.use(readUploads(app.get(WebSessions)));
  app.use((error: Error & { type?: string }, request: IncomingMessage, response: ServerResponse, next: (error: unknown) => void) => {
    if (!isWebForm(request) || (error.type !== 'entity.too.large' && error.type !== 'parameters.too.many')) return next(error);
    response
      .writeHead(413, { 'content-type': 'text/plain; charset=utf-8' })
      .end('The form is larger than any form of this service: go back and send it again.');
  });
}

const isWebUpload = (request: IncomingMessage) =>
  request.method === 'POST' &&
  (request.url ?? '/').split('?')[0] === '/uploads' &&
  (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'multipart/form-data';

/**
 * The upload form's body (multipart/form-data), parsed by the platform's own WHATWG parser into
 * its fields (text) and its file (a File), for a request with a live session only: anyone else
 * is sent to sign in by the guard, and the body is never read. Bounded by UPLOAD_BYTES.
 */
function readUploads(sessions: WebSessions) {
  const tooLarge = (response: ServerResponse) =>
    response
      .writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
      .end(
        `The file is larger than the ${UPLOAD_BYTES / 1024 / 1024} MB the browser upload takes: split it, or push it through the API (POST /api/v1/feeds/:kind), which streams CSV.`,
      );
  return async (request: IncomingMessage & { body?: unknown }, response: ServerResponse, next: (error?: unknown) => void) => {
    try {
      const sessionId = cookieOf(request, SESSION_COOKIE);
      if (!isWebUpload(request) || !sessionId || !(await sessions.find(sessionId))) return next();
      if (Number(request.headers['content-length'] ?? 0) > UPLOAD_BYTES) return tooLarge(response);
      const chunks: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of request as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > UPLOAD_BYTES) return tooLarge(response);
        chunks.push(chunk);
      }
      const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': request.headers['content-type'] ?? '' } })
        .formData()
        .catch(() => undefined);
      if (!form)
        return response
          .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
          .end('The upload could not be read as a form: go back and send it again.');
      const fields: Record<string, string | File> = {};
      form.forEach((value, name) => (fields[name] ??= value));
      request.body = fields;
      next();
    } catch (error) {
      next(error);
    }
  };
}
