import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { NestExpressApplication } from '@nestjs/platform-express';

/** A sign-in or any other form of the web is a few fields: a larger body is no form of ours. */
const FORM_BYTES = 8 * 1024;

/** The web's paths: everything outside the API. */
const isWebForm = (request: IncomingMessage) =>
  !(request.url ?? '/').startsWith('/api/') && (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';

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
  app.use((error: Error & { type?: string }, request: IncomingMessage, response: ServerResponse, next: (error: unknown) => void) => {
    if (!isWebForm(request) || (error.type !== 'entity.too.large' && error.type !== 'parameters.too.many')) return next(error);
    response.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' }).end('The form is larger than any form of this service: go back and send it again.');
  });
}
