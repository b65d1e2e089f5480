import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { nameSchema, NotFoundError, parseKnowledgeTime, parseRole, parseWith, Role, roleName, ValidationError } from '@turnaround/domain';
import { migrate, SqlClient } from '@turnaround/postgres';
import { z } from 'zod';

/** The caller of a request, once its key is verified: the key's id, its role, and the name of whom it was issued to. */
export interface Principal {
  keyId: string;
  role: Role;
  name: string;
}

/** A key as listed: never its secret, nor the secret's hash. */
export interface ApiKeyInfo {
  keyId: string;
  name: string;
  role: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** Why a key is refused: one no key of the service matches, or one past its expiry. */
export type KeyRefusal = 'unknown' | 'expired';

/** `POST /api/v1/keys` and `turnaround keys create`: whom the key is for, its role, and when it expires (never when absent). */
export const keyRequestBody = z.strictObject({
  name: nameSchema.describe('the person or system the key is issued to'),
  role: z.string().describe('state | district:{districtId} | partner:{partnerId} | data-team | researcher | public'),
  expiresAt: z.string().optional().describe('an ISO date or time after which the key is refused; never when absent'),
});

/** A key as `GET /api/v1/keys` lists it (`ApiKeyInfo`). */
export const apiKeyAnswer = z
  .object({
    keyId: z.string(),
    name: z.string().describe('the person or system the key was issued to'),
    role: z.string(),
    createdAt: z.string().describe('an ISO date-time'),
    expiresAt: z.string().nullable().describe('an ISO date-time after which the key is refused; null: never'),
    revokedAt: z.string().nullable().describe('an ISO date-time; null while the key is not revoked'),
  })
  .meta({ title: 'ApiKey' });
export const issuedKeyAnswer = apiKeyAnswer
  .extend({ key: z.string().describe('the key itself, to send as Authorization: Bearer <key>: shown this once, only its hash is kept') })
  .meta({ title: 'IssuedApiKey' });

export interface KeyRequest {
  role: Role;
  name: string;
  expiresAt?: Date;
}

/** A key request as sent (HTTP body, CLI options), checked field by field. */
export function parseKeyRequest(body: unknown): KeyRequest {
  const { name, role, expiresAt } = parseWith(keyRequestBody, body);
  return { name, role: parseRole(role), ...(expiresAt === undefined ? {} : { expiresAt: parseKnowledgeTime(expiresAt, 'expiresAt') }) };
}

const BOOTSTRAP: Principal = { keyId: 'bootstrap', role: { kind: 'state' }, name: 'TURNAROUND_BOOTSTRAP_KEY' };

/** An API key as minted: `tm_{keyId}_{secret}`, a 12-hex-digit id and a 43-character secret. */
export const API_KEY = /^tm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * What may be (most of) an API key in free text, such as a log line: a key cut short is still
 * most of a key, so any length of secret matches.
 */
export const API_KEY_TEXT = /tm_[0-9a-f]{12}_[A-Za-z0-9_-]+/g;

/**
 * API keys, stored hashed: a key reads `tm_{keyId}_{secret}`; only the SHA-256 of the secret
 * is kept (the secret is 32 random bytes, so a plain hash suffices), and it is compared in
 * constant time. Each is issued to a named person or system and may expire. The bootstrap key
 * (`TURNAROUND_BOOTSTRAP_KEY`) is a state key for automation.
 */
export class ApiKeys {
  private constructor(
    private readonly sql: SqlClient,
    private readonly bootstrapKey?: string,
  ) {}

  static async create(sql: SqlClient, bootstrapKey?: string): Promise<ApiKeys> {
    await migrate(sql, 'api-keys', [
      {
        id: '001-api-keys',
        sql: `CREATE TABLE api_keys (
          key_id text PRIMARY KEY, secret_hash text NOT NULL, role text NOT NULL, label text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(), revoked_at timestamptz)`,
      },
      { id: '002-name-and-expiry', sql: 'ALTER TABLE api_keys RENAME COLUMN label TO name; ALTER TABLE api_keys ADD COLUMN expires_at timestamptz' },
    ]);
    return new ApiKeys(sql, bootstrapKey);
  }

  /**
   * Creates a key; the only time its secret is shown. A district or partner key names one the
   * registry knows (a zone or school names the district; the partner is registered), so a typo
   * does not make a key that sees nothing.
   */
  async issue(role: Role, name: string, expiresAt?: Date): Promise<{ key: string } & ApiKeyInfo> {
    if (expiresAt && expiresAt <= new Date()) throw ValidationError.of('expiresAt', `expected a time in the future, got ${expiresAt.toISOString()}`);
    if (
      role.kind === 'district' &&
      !(await this.registered(
        'SELECT 1 FROM registry_zones WHERE $1 = ANY(district_ids) UNION ALL SELECT 1 FROM registry_schools WHERE district_id = $1',
        role.districtId,
      ))
    )
      throw new NotFoundError('district', role.districtId);
    if (role.kind === 'partner' && !(await this.registered('SELECT 1 FROM registry_partners WHERE partner_id = $1', role.partnerId)))
      throw new NotFoundError('partner', role.partnerId);
    const keyId = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await this.sql.query('INSERT INTO api_keys (key_id, secret_hash, role, name, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      keyId,
      hash(secret),
      roleName(role),
      name,
      expiresAt?.toISOString() ?? null,
    ]);
    const [info] = await this.list(keyId);
    return { key: `tm_${keyId}_${secret}`, ...info };
  }

  /** The caller a key names, or why it is refused. */
  async identify(key: string): Promise<Principal | KeyRefusal> {
    if (this.bootstrapKey && equal(key, this.bootstrapKey)) return BOOTSTRAP;
    const match = API_KEY.exec(key);
    if (!match) return 'unknown';
    const [row] = await this.sql.query<{ secret_hash: string; role: string; name: string; expires_at: Date | string | null }>(
      'SELECT secret_hash, role, name, expires_at FROM api_keys WHERE key_id = $1 AND revoked_at IS NULL',
      [match[1]],
    );
    if (!row || !equal(hash(match[2]), row.secret_hash)) return 'unknown';
    // Only a caller who holds the secret learns that the key has expired.
    if (row.expires_at !== null && new Date(row.expires_at) <= new Date()) return 'expired';
    return { keyId: match[1], role: parseRole(row.role), name: row.name };
  }

  /** The caller a key names; undefined for every refusal. */
  async verify(key: string): Promise<Principal | undefined> {
    const found = await this.identify(key);
    return typeof found === 'string' ? undefined : found;
  }

  /**
   * The caller a stored key names while it is neither revoked nor expired; undefined otherwise.
   * By id, without the secret: for a web session, which holds the key's id only and must end
   * the moment the key does.
   */
  async active(keyId: string): Promise<Principal | undefined> {
    const [row] = await this.sql.query<{ role: string; name: string }>(
      'SELECT role, name FROM api_keys WHERE key_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)',
      [keyId, new Date().toISOString()],
    );
    return row && { keyId, role: parseRole(row.role), name: row.name };
  }

  async list(keyId?: string): Promise<ApiKeyInfo[]> {
    const rows = await this.sql.query<{ key_id: string; name: string; role: string; created_at: Date; expires_at: Date | null; revoked_at: Date | null }>(
      'SELECT key_id, name, role, created_at, expires_at, revoked_at FROM api_keys WHERE ($1::text IS NULL OR key_id = $1) ORDER BY created_at, key_id',
      [keyId ?? null],
    );
    return rows.map((row) => ({
      keyId: row.key_id,
      name: row.name,
      role: row.role,
      createdAt: new Date(row.created_at).toISOString(),
      expiresAt: row.expires_at && new Date(row.expires_at).toISOString(),
      revokedAt: row.revoked_at && new Date(row.revoked_at).toISOString(),
    }));
  }

  /** Revokes the key (a second revocation keeps the first time) and answers it as listed. */
  async revoke(keyId: string): Promise<ApiKeyInfo> {
    const rows = await this.sql.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = $1 RETURNING key_id', [keyId]);
    if (rows.length === 0) throw new NotFoundError('api key', keyId);
    const [info] = await this.list(keyId);
    return info;
  }

  async anyKey(): Promise<boolean> {
    return (await this.sql.query('SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1')).length > 0;
  }

  /** Whether the query finds the id; false before the registry's read model exists (a fresh embedded store; its tables are made together). */
  private async registered(query: string, id: string): Promise<boolean> {
    const [{ ready }] = await this.sql.query<{ ready: boolean }>(`SELECT to_regclass('registry_schools') IS NOT NULL AS ready`);
    return ready && (await this.sql.query(query, [id])).length > 0;
  }
}

function hash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
