import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { ApiKeys } from '@turnaround/platform';
import { cookieOf, crossSite, formField, SESSION_COOKIE, Viewer, WebRequest } from '../http';
import { sameToken, WebSessions } from './web-sessions';

/** No live session: a page answers by sending the browser to the sign-in form. */
export class SignInRequired extends Error {
  constructor() {
    super('sign in first');
  }
}

/**
 * Admits a page's request on a live session of a live key (the key is looked up by its id on
 * every request: revoked or expired, its sessions end), and a form's POST only with the
 * session's token and not from another origin. The API's key guard lets the web's routes
 * through (ACCESS_MATRIX marks them open); this guard is their gate.
 */
@Injectable()
export class WebSessionGuard implements CanActivate {
  constructor(
    private readonly sessions: WebSessions,
    private readonly keys: ApiKeys,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WebRequest>();
    const sessionId = cookieOf(request, SESSION_COOKIE);
    const session = sessionId ? await this.sessions.find(sessionId) : undefined;
    if (!session) throw new SignInRequired();
    const principal = await this.keys.active(session.keyId);
    if (!principal) {
      await this.sessions.closeAllOf(session.keyId);
      throw new SignInRequired();
    }
    if (request.method === 'POST' && (crossSite(request) || !sameToken(formField(request, 'csrf'), session.csrfToken)))
      throw new ForbiddenException('the form was not sent from this site, or its page is out of date: open the page again and resend it');
    request.viewer = { principal, csrfToken: session.csrfToken };
    return true;
  }
}

/** The signed-in reader of the page. */
export const CurrentViewer = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Viewer => context.switchToHttp().getRequest<WebRequest>().viewer as Viewer,
);
