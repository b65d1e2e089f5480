import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, StreamableFile, UseInterceptors } from '@nestjs/common';
import { SqlClient } from '@turnaround/postgres';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { from, map, Observable, of, switchMap } from 'rxjs';
import { Principal } from './access';
import { Clock, CLOCK, SQL_CLIENT } from './tokens';

/** The answer text kept at most; a whole state's coverage, the largest answer, is about 1 MB. */
const MAX_BYTES = 64 * 1024 * 1024;

/** Smaller answers go out as they are: compressing them saves less than it costs. */
const GZIP_FROM_BYTES = 1024;

/** An answer as it goes out: its JSON text, the entity tag a client may send back, and once asked for, its gzip form. */
interface Answer {
  text: string;
  etag: string;
  gzip?: Buffer;
}

/**
 * The answers of the read model's heaviest reads, kept for as long as the read model stays as it
 * was when they were read. A read answers from the read model's tables, which change only when a
 * runner commits a page, in the transaction that moves its checkpoint; so while no checkpoint
 * has moved (and the day has not changed: coverage judges lateness on the day), the same call by
 * the same role has the same answer. Under many clients, the one Node thread then spends its time
 * on answers rather than on building the same one again: a read's cost is paid once per state
 * of the read model, not once per request.
 *
 * The state is read from `projection_checkpoints` before each read, not from this process's
 * runners: a standby instance mirrors the leader's checkpoint only every few seconds, while its
 * queries see the leader's commits at once. An answer read after a checkpoint was read holds at
 * least what that checkpoint holds; one read in a state that has since passed is not kept.
 */
@Injectable()
export class ReadAnswers {
  /** Calls answered with a kept answer, and calls read anew (`/metrics`). */
  readonly answered = { kept: 0, read: 0 };
  private state = '';
  /** API answers (`api` calls) and pages' views of the read model (`view` calls), with their size. */
  private readonly entries = new Map<string, { value: unknown; bytes: number }>();
  private bytes = 0;

  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The state of the read model now: each runner's checkpoint and when it moved, and the day. */
  async stateNow(): Promise<string> {
    const [row] = await this.sql.query<{ state: string | null }>(
      `SELECT string_agg(projection || '=' || checkpoint || '@' || updated_at, ',' ORDER BY projection) AS state FROM projection_checkpoints`,
    );
    return `${this.clock().toISOString().slice(0, 10)} ${row?.state ?? ''}`;
  }

  /** The answer kept for `call` in `state`. */
  kept(state: string, call: string): Answer | undefined {
    return this.take(state, `api ${call}`) as Answer | undefined;
  }

  /** Keeps `body` as the answer to `call` in `state`, unless the read model has moved on meanwhile. */
  keep(state: string, call: string, body: unknown): Answer {
    const text = JSON.stringify(body);
    const answer = { text, etag: `"${createHash('sha1').update(text).digest('base64url')}"` };
    this.put(state, `api ${call}`, answer, text.length);
    return answer;
  }

  /**
   * What `read` gives for `call` (a page's reads: the role and the URL) in the read model's state
   * now, read once per state. A web page renders its own HTML for each request (the reader's name,
   * a form's token), from a view of the read model that is the same for every reader of the role.
   * The view is frozen: a page that changed it would change it for the next reader.
   */
  async view<T>(call: string, read: () => Promise<T>): Promise<T> {
    const state = await this.stateNow();
    const kept = this.take(state, `view ${call}`);
    if (kept !== undefined) return kept as T;
    const view = frozen(await read());
    this.put(state, `view ${call}`, view, JSON.stringify(view)?.length ?? 0);
    return view;
  }

  /** The value kept for `key` in `state`; moving to a new state forgets every value of the old one. */
  private take(state: string, key: string): unknown {
    if (state !== this.state) {
      this.entries.clear();
      this.bytes = 0;
      this.state = state;
    }
    const entry = this.entries.get(key);
    this.answered[entry ? 'kept' : 'read'] += 1;
    return entry?.value;
  }

  private put(state: string, key: string, value: unknown, bytes: number): void {
    if (state !== this.state || bytes > MAX_BYTES) return;
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    // The oldest first: a Map iterates in the order its keys were set.
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= MAX_BYTES) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}

/** `value` and everything in it frozen (Dates too: their fields are internal, so they stay as they are). */
function frozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) frozen(inner);
  }
  return value;
}

type Request = {
  originalUrl: string;
  principal?: Principal;
  headers: Record<string, string | string[] | undefined>;
  acceptsEncodings(...encodings: string[]): string | false;
};
type Response = { setHeader(name: string, value: string): void; status(code: number): void };

/** Answers a read from `ReadAnswers` when it is kept, else reads it and keeps it. */
@Injectable()
class AnswerFromReadState implements NestInterceptor {
  constructor(private readonly answers: ReadAnswers) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<string | StreamableFile | undefined> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    // The role decides what a call answers (a district's own schools, small numbers withheld
    // from others); the URL holds the rest (path, filters, asOf).
    const call = `${JSON.stringify(request.principal?.role ?? 'public')} ${request.originalUrl}`;
    const send = (answer: Answer): string | StreamableFile | undefined => {
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.setHeader('Vary', 'Accept-Encoding');
      if (answer.text.length < GZIP_FROM_BYTES || request.acceptsEncodings('gzip', 'identity') !== 'gzip') {
        // Set here, Express does not hash the text again, and answers 304 to a client that has it.
        response.setHeader('ETag', answer.etag);
        return answer.text;
      }
      // Compressed once per kept answer: a whole state's coverage goes out as a tenth of its
      // megabyte, to every client that asks for it in that state, at no further cost. An entity
      // tag names one encoding of an answer, so the gzip form has its own.
      const etag = `${answer.etag.slice(0, -1)}.gz"`;
      response.setHeader('ETag', etag);
      if (request.headers['if-none-match'] === etag) {
        response.status(304);
        return undefined;
      }
      answer.gzip ??= gzipSync(answer.text);
      response.setHeader('Content-Encoding', 'gzip');
      return new StreamableFile(answer.gzip, { length: answer.gzip.length });
    };
    return from(this.answers.stateNow()).pipe(
      switchMap((state) => {
        const kept = this.answers.kept(state, call);
        return kept ? of(send(kept)) : next.handle().pipe(map((body: unknown) => send(this.answers.keep(state, call, body))));
      }),
    );
  }
}

/** On a GET handler whose answer follows from the read model's tables, the call and the caller's role alone. */
export const AnsweredFromReadState = () => UseInterceptors(AnswerFromReadState);
