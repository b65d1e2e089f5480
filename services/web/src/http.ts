import type { IncomingMessage, ServerResponse } from 'node:http';
import { Principal } from '@turnaround/platform';

/** What the web reads of an Express request. */
export interface WebRequest extends IncomingMessage {
  method: string;
  path: string;
  originalUrl: string;
  protocol: string;
  /** Over https, as Express judges it (TRUST_PROXY decides whom X-Forwarded-Proto is believed from). */
  secure: boolean;
  ip?: string;
  body?: unknown;
  query: Record<string, unknown>;
  get(header: string): string | undefined;
  /** The signed-in reader, once `WebSessionGuard` has admitted the request. */
  viewer?: Viewer;
}

/** What the web writes of an Express response. */
export interface WebResponse extends ServerResponse {
  status(code: number): WebResponse;
  type(type: string): WebResponse;
  send(body: string): WebResponse;
  redirect(status: number, url: string): void;
  cookie(name: string, value: string, options: CookieOptions): WebResponse;
  clearCookie(name: string, options: CookieOptions): WebResponse;
}

interface CookieOptions {
  httpOnly: boolean;
  sameSite: 'strict';
  secure: boolean;
  path: string;
  expires?: Date;
}

/** The signed-in reader of a page: the key's holder, and the token its forms must carry. */
export interface Viewer {
  principal: Principal;
  csrfToken: string;
}

export const SESSION_COOKIE = 'tm_session';
/** The sign-in form's own token, before a session exists: a sign-in posted from another site lacks it. */
export const SIGN_IN_COOKIE = 'tm_sign_in';

/**
 * Every cookie of the web: out of reach of script, sent only with requests that start on this
 * site (so a form on another site posts without it), for every path, and over https only when
 * the request came over https (a deployment inside a network may serve plain http).
 */
export function cookieOptions(request: WebRequest, expires?: Date): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', secure: request.secure, path: '/', ...(expires ? { expires } : {}) };
}

/** One cookie of the request's Cookie header. */
export function cookieOf(request: IncomingMessage, name: string): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return decodeURIComponent(pair.slice(at + 1).trim());
  }
  return undefined;
}

/** One field of a posted form, when it was sent once as text. */
export function formField(request: WebRequest, name: string): string | undefined {
  const body = request.body;
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Whether a POST came from another site, as the browser tells: Sec-Fetch-Site names another
 * site, or Origin names another origin. An Origin of `null` says nothing here: the pages are
 * served with Referrer-Policy: no-referrer, under which a browser sends `null` for its own
 * forms too. Without either header a POST is judged by its token alone.
 */
export function crossSite(request: WebRequest): boolean {
  const site = request.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.get('origin');
  return origin !== undefined && origin !== 'null' && origin !== `${request.protocol}://${request.get('host')}`;
}
