import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { DomainError } from '@turnaround/domain';
import { WrongExpectedRevisionError } from '@turnaround/event-store';

const STATUS: Record<DomainError['kind'], number> = {
  validation: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  illegal_state: HttpStatus.CONFLICT,
};

const HTTP_KINDS: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 413: 'too_large', 415: 'unsupported_media_type' };

/** The one place where errors become HTTP answers: `{ error, message, issues? }`. */
@Catch()
export class HttpErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void } }>();
    const { status, body } = this.answer(error);
    if (status >= 500) this.logger.error(error instanceof Error ? error.stack : String(error));
    response.status(status).json(body);
  }

  private answer(error: unknown): { status: number; body: Record<string, unknown> } {
    if (error instanceof DomainError) {
      const body: Record<string, unknown> = { error: error.kind, message: error.message };
      if ('issues' in error) body.issues = error.issues;
      return { status: STATUS[error.kind], body };
    }
    if (error instanceof WrongExpectedRevisionError)
      return { status: HttpStatus.CONFLICT, body: { error: 'concurrency', message: `${error.message}; read it again and retry` } };
    if (error instanceof HttpException) {
      const status = error.getStatus();
      return { status, body: { error: HTTP_KINDS[status] ?? 'http', message: error.message } };
    }
    // Express and its body parsers refuse a request with an error that carries a 4xx status
    // (an aborted upload, an unknown charset): bad input, never a 500.
    if (isClientHttpError(error)) return { status: error.status, body: { error: HTTP_KINDS[error.status] ?? 'http', message: error.message } };
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: 'internal', message: 'internal error; see the service log' } };
  }
}

function isClientHttpError(error: unknown): error is Error & { status: number } {
  const status = (error as { status?: unknown } | null)?.status;
  return error instanceof Error && (error as { expose?: unknown }).expose === true && typeof status === 'number' && status >= 400 && status < 500;
}
