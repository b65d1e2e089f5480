import { parseRole } from '@turnaround/domain';
import { ApiKeys, loadConfig } from '@turnaround/platform';
import { openDatabase } from '@turnaround/postgres';

/** `turnaround keys create|list|revoke` on the embedded default (or DATABASE_URL). */
export async function keys(action: 'create' | 'list' | 'revoke', options: { role?: string; label?: string; keyId?: string }): Promise<number> {
  const config = loadConfig();
  const sql = await openDatabase(config);
  try {
    const store = await ApiKeys.create(sql);
    if (action === 'create') {
      const role = parseRole(options.role ?? '');
      const issued = await store.issue(role, options.label ?? '');
      process.stdout.write(`${issued.key}\n(key ${issued.keyId}, role ${issued.role}: shown this once, only its hash is kept)\n`);
    } else if (action === 'list') {
      for (const key of await store.list())
        process.stdout.write(`${key.keyId}  ${key.role.padEnd(24)} ${key.revokedAt ? `revoked ${key.revokedAt}` : 'active'}  ${key.createdAt}  ${key.label}\n`);
    } else {
      await store.revoke(options.keyId ?? '');
      process.stdout.write(`revoked ${options.keyId}\n`);
    }
    return 0;
  } finally {
    await sql.close();
  }
}
