import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError } from '@turnaround/domain';
import { WebRequest, WebResponse } from './http';
import { ErrorPage } from './pages/error';
import { SignInRequired } from './sessions/web-session.guard';
import { Layout } from './views/layout';
import { html } from './views/render';

/**
 * Errors of the web's routes become pages, not the API's JSON: no session sends the browser to
 * sign in; what the reader may not see, or what does not exist, is the same 404.
 */
@Catch()
export class WebErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Web');

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<WebRequest>();
    const response = host.switchToHttp().getResponse<WebResponse>();
    if (error instanceof SignInRequired) return response.redirect(303, '/sign-in');
    const { status, title, message } = this.answer(error);
    if (status >= 500) this.logger.error(error instanceof Error ? error.stack : String(error));
    response
      .status(status)
      .type('html')
      .send(
        html(
          <Layout title={title} viewer={request.viewer}>
            <ErrorPage title={title} message={message} />
          </Layout>,
        ),
      );
  }

  private answer(error: unknown): { status: number; title: string; message: string } {
    if (error instanceof DomainError && error.kind === 'not_found')
      return { status: 404, title: 'Page not found', message: 'There is no such page, or it is not one you may see.' };
    if (error instanceof DomainError && error.kind === 'validation') return { status: 400, title: 'Cannot show this page', message: error.message };
    if (error instanceof HttpException)
      return { status: error.getStatus(), title: error.getStatus() === 403 ? 'Refused' : 'Cannot show this page', message: error.message };
    return { status: 500, title: 'Something went wrong', message: 'The page could not be made; the service log says why.' };
  }
}
