import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { migrate, SqlClient } from '@turnaround/postgres';

/** How long a session lasts from sign-in: a working day. */
export const SESSION_HOURS = 8;

/** A session as a request finds it: whose key it was opened with, and the token its forms carry. */
export interface WebSession {
  keyId: string;
  csrfToken: string;
}

/**
 * Web sessions, kept on the server: the browser holds a random session id in a cookie, the
 * table only its SHA-256 (the id is 32 random bytes, so a plain hash suffices), so a copy of the
 * table opens no session. A session names the API key it was opened with and is checked against
 * that key on every request (`WebSessionGuard`), so revoking or expiring the key ends it.
 */
export class WebSessions {
  private constructor(private readonly sql: SqlClient) {}

  static async create(sql: SqlClient): Promise<WebSessions> {
    await migrate(sql, 'web-sessions', [
      {
        id: '001-web-sessions',
        sql: `CREATE TABLE web_sessions (
          session_hash text PRIMARY KEY, key_id text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL);
        CREATE INDEX web_sessions_by_key ON web_sessions (key_id)`,
      },
    ]);
    return new WebSessions(sql);
  }

  /** Opens a session for the key; the id is for the cookie and is not kept. Sessions past their expiry go at the same time. */
  async open(keyId: string, now = new Date()): Promise<{ sessionId: string; expiresAt: Date }> {
    const sessionId = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_HOURS * 60 * 60 * 1000);
    await this.sql.query('DELETE FROM web_sessions WHERE expires_at <= $1', [now.toISOString()]);
    await this.sql.query('INSERT INTO web_sessions (session_hash, key_id, expires_at) VALUES ($1, $2, $3)', [hash(sessionId), keyId, expiresAt.toISOString()]);
    return { sessionId, expiresAt };
  }

  /** The session of a cookie's id while it has not expired. */
  async find(sessionId: string, now = new Date()): Promise<WebSession | undefined> {
    const [row] = await this.sql.query<{ key_id: string }>('SELECT key_id FROM web_sessions WHERE session_hash = $1 AND expires_at > $2', [
      hash(sessionId),
      now.toISOString(),
    ]);
    return row && { keyId: row.key_id, csrfToken: csrfTokenOf(sessionId) };
  }

  async close(sessionId: string): Promise<void> {
    await this.sql.query('DELETE FROM web_sessions WHERE session_hash = $1', [hash(sessionId)]);
  }

  /** Ends every session of a key that no longer admits anyone. */
  async closeAllOf(keyId: string): Promise<void> {
    await this.sql.query('DELETE FROM web_sessions WHERE key_id = $1', [keyId]);
  }
}

/**
 * The session's token for its forms (the hidden `csrf` field), derived from the session id
 * rather than stored: only the holder of the cookie can know it, and a page from another site,
 * which can send the cookie at most (never with SameSite=Strict) but not read it, cannot.
 */
function csrfTokenOf(sessionId: string): string {
  return createHash('sha256').update(`csrf\0${sessionId}`).digest('base64url');
}

/** Whether a form's token is the one expected, compared in constant time. */
export function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const left = Buffer.from(given);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A fresh random token: the sign-in form's, before there is a session. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function hash(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}
