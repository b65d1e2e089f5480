import { ApiKeyInfo, ApiKeys, loadConfig, parseKeyRequest } from '@turnaround/platform';
import { openDatabase } from '@turnaround/postgres';
import { callServer } from './embedded';

export type KeysArguments = { action: 'create'; role: string; name: string; expiresAt?: string } | { action: 'list' } | { action: 'revoke'; keyId: string };

/**
 * `turnaround keys create|list|revoke`: on a running service (`server`, with a state key) over
 * HTTP, otherwise on the embedded default (or DATABASE_URL), which only one process may open.
 */
export async function keys(args: KeysArguments, connection: { server?: string; key?: string }): Promise<number> {
  const { server, key } = connection;
  if (args.action === 'create') {
    const body = { role: args.role, name: args.name, ...(args.expiresAt === undefined ? {} : { expiresAt: args.expiresAt }) };
    const issued = server
      ? await callServer<ApiKeyInfo & { key: string }>(server, key, '/api/v1/keys', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      : await withKeys((store) => {
          const { role, name, expiresAt } = parseKeyRequest(body);
          return store.issue(role, name, expiresAt);
        });
    process.stdout.write(
      `${issued.key}\n(key ${issued.keyId} for ${issued.name}, role ${issued.role}${issued.expiresAt ? `, expires ${issued.expiresAt}` : ''}: shown this once, only its hash is kept)\n`,
    );
  } else if (args.action === 'list') {
    const listed = server ? await callServer<ApiKeyInfo[]>(server, key, '/api/v1/keys', { headers: {} }) : await withKeys((store) => store.list());
    for (const info of listed) process.stdout.write(`${describe(info)}\n`);
  } else {
    const path = `/api/v1/keys/${encodeURIComponent(args.keyId)}/revocation`;
    const revoked = server
      ? await callServer<ApiKeyInfo>(server, key, path, { method: 'POST', headers: {} })
      : await withKeys((store) => store.revoke(args.keyId));
    process.stdout.write(`revoked ${describe(revoked)}\n`);
  }
  return 0;
}

async function withKeys<T>(work: (store: ApiKeys) => Promise<T>): Promise<T> {
  const sql = await openDatabase(loadConfig());
  try {
    return await work(await ApiKeys.create(sql));
  } finally {
    await sql.close();
  }
}

function describe(info: ApiKeyInfo): string {
  const expired = info.expiresAt !== null && new Date(info.expiresAt) <= new Date();
  const state = info.revokedAt ? `revoked ${info.revokedAt}` : info.expiresAt ? `${expired ? 'expired' : 'expires'} ${info.expiresAt}` : 'active';
  return `${info.keyId}  ${info.role.padEnd(24)} created ${info.createdAt}  ${state.padEnd(32)} ${info.name}`;
}
