import { Controller, ForbiddenException, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ApiKeys } from '@turnaround/platform';
import { cookieOf, cookieOptions, crossSite, formField, SESSION_COOKIE, SIGN_IN_COOKIE, WebRequest, WebResponse } from './http';
import { SignInPage } from './pages/sign-in';
import { WebErrorsFilter } from './web-errors.filter';
import { SignInAttempts } from './sessions/sign-in-attempts';
import { WebSessionGuard } from './sessions/web-session.guard';
import { newToken, sameToken, WebSessions } from './sessions/web-sessions';
import { Layout } from './views/layout';
import { html } from './views/render';

const NOTICES: Record<string, string> = {
  'signed-out': 'You have signed out.',
  retry: 'The sign-in form had expired: sign in again.',
};

/**
 * Sign-in with an API key issued to a person, and sign-out. A refused key is "unknown or
 * revoked", whatever the reason, except that its holder learns it expired (as the API says).
 */
@ApiExcludeController()
@Controller()
@UseFilters(WebErrorsFilter)
export class SignInController {
  constructor(
    private readonly keys: ApiKeys,
    private readonly sessions: WebSessions,
    private readonly attempts: SignInAttempts,
  ) {}

  @Get('sign-in')
  form(@Req() request: WebRequest, @Res() response: WebResponse, @Query('notice') notice?: string): void {
    this.page(request, response, { notice: notice === undefined ? undefined : NOTICES[notice] });
  }

  @Post('sign-in')
  async signIn(@Req() request: WebRequest, @Res() response: WebResponse): Promise<void> {
    if (crossSite(request)) throw new ForbiddenException('a sign-in from another site is refused');
    // The form's token is in a SameSite=Strict cookie too: a sign-in posted from another site lacks it.
    const token = cookieOf(request, SIGN_IN_COOKIE);
    if (!token || !sameToken(formField(request, 'csrf'), token)) return response.redirect(303, '/sign-in?notice=retry');
    const address = request.ip ?? 'unknown';
    if (this.attempts.blocked(address))
      return this.page(request, response, { status: 429, problem: 'Too many failed sign-ins from this computer: wait 15 minutes and try again.' });
    const found = await this.keys.identify((formField(request, 'key') ?? '').trim());
    if (found === 'unknown') this.attempts.failed(address);
    if (typeof found === 'string')
      return this.page(request, response, {
        status: 401,
        problem: found === 'expired' ? 'The key has expired: ask the state office for a new one.' : 'The key is unknown or revoked.',
      });
    const principal = await this.keys.active(found.keyId);
    // The bootstrap key is the automation's, not a person's: it names no stored key a session could follow.
    if (!principal)
      return this.page(request, response, { status: 401, problem: 'This key is for automation, not for a person: sign in with a key issued to you.' });
    const session = await this.sessions.open(principal.keyId);
    response.cookie(SESSION_COOKIE, session.sessionId, cookieOptions(request, session.expiresAt));
    response.clearCookie(SIGN_IN_COOKIE, cookieOptions(request));
    response.redirect(303, '/');
  }

  @Post('sign-out')
  @UseGuards(WebSessionGuard)
  async signOut(@Req() request: WebRequest, @Res() response: WebResponse): Promise<void> {
    const sessionId = cookieOf(request, SESSION_COOKIE);
    if (sessionId) await this.sessions.close(sessionId);
    response.clearCookie(SESSION_COOKIE, cookieOptions(request));
    response.redirect(303, '/sign-in?notice=signed-out');
  }

  /** The form with a fresh token, set in its cookie too. */
  private page(request: WebRequest, response: WebResponse, options: { status?: number; problem?: string; notice?: string }): void {
    const token = newToken();
    response.cookie(SIGN_IN_COOKIE, token, cookieOptions(request));
    response
      .status(options.status ?? 200)
      .type('html')
      .send(
        html(
          <Layout title="Sign in">
            <SignInPage token={token} problem={options.problem} notice={options.notice} />
          </Layout>,
        ),
      );
  }
}
