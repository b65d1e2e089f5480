import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError, parseRole, Role, roleName } from '@turnaround/domain';
import { migrate, SqlClient } from '@turnaround/postgres';

/** The caller of a request, once its key is verified. */
export interface Principal {
  keyId: string;
  role: Role;
}

export interface ApiKeyInfo {
  keyId: string;
  role: string;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

/**
 * API keys, stored hashed: a key reads `tm_{keyId}_{secret}`; only the SHA-256 of the secret
 * is kept (the secret is 32 random bytes, so a plain hash suffices), and it is compared in
 * constant time. The bootstrap key (`TURNAROUND_BOOTSTRAP_KEY`) is a state key for automation.
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
    ]);
    return new ApiKeys(sql, bootstrapKey);
  }

  /** Creates a key; the only time its secret is shown. */
  async issue(role: Role, label: string): Promise<{ key: string } & ApiKeyInfo> {
    const keyId = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await this.sql.query('INSERT INTO api_keys (key_id, secret_hash, role, label) VALUES ($1, $2, $3, $4)', [keyId, hash(secret), roleName(role), label]);
    const [info] = await this.list(keyId);
    return { key: `tm_${keyId}_${secret}`, ...info };
  }

  async verify(key: string): Promise<Principal | undefined> {
    if (this.bootstrapKey && equal(key, this.bootstrapKey)) return { keyId: 'bootstrap', role: { kind: 'state' } };
    const match = /^tm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(key);
    if (!match) return undefined;
    const [row] = await this.sql.query<{ secret_hash: string; role: string }>('SELECT secret_hash, role FROM api_keys WHERE key_id = $1 AND revoked_at IS NULL', [match[1]]);
    if (!row || !equal(hash(match[2]), row.secret_hash)) return undefined;
    return { keyId: match[1], role: parseRole(row.role) };
  }

  async list(keyId?: string): Promise<ApiKeyInfo[]> {
    const rows = await this.sql.query<{ key_id: string; role: string; label: string; created_at: Date; revoked_at: Date | null }>(
      'SELECT key_id, role, label, created_at, revoked_at FROM api_keys WHERE ($1::text IS NULL OR key_id = $1) ORDER BY created_at, key_id',
      [keyId ?? null],
    );
    return rows.map((row) => ({
      keyId: row.key_id,
      role: row.role,
      label: row.label,
      createdAt: new Date(row.created_at).toISOString(),
      revokedAt: row.revoked_at && new Date(row.revoked_at).toISOString(),
    }));
  }

  async revoke(keyId: string): Promise<void> {
    const rows = await this.sql.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = $1 RETURNING key_id', [keyId]);
    if (rows.length === 0) throw new NotFoundError('api key', keyId);
  }

  async anyKey(): Promise<boolean> {
    return (await this.sql.query('SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1')).length > 0;
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
