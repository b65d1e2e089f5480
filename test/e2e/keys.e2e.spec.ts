import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { turnaround } from './support/cli';
import { httpClient } from './support/http-client';
import { registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

type Http = Awaited<ReturnType<typeof httpClient>>;

/** Keys are managed by the state office while the service runs: over HTTP, and by the CLI with --server. */
describe('API keys over HTTP and the CLI', () => {
  let dataDir: string;
  let app: INestApplication;
  let state: Http;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-keys-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    state = await httpClient(app);
    await registerOneClusterZone(state, [['S1', 'D1']]);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('issues a key to a name, shows its secret once, lists it without, and refuses it once revoked', async () => {
    const issued = await state.post('/api/v1/keys', { name: 'Springfield district office', role: 'district:D1' });
    expect(issued).toEqual({
      status: 201,
      body: {
        key: expect.stringMatching(/^tm_[0-9a-f]{12}_/),
        keyId: expect.any(String),
        name: 'Springfield district office',
        role: 'district:D1',
        createdAt: expect.any(String),
        expiresAt: null,
        revokedAt: null,
      },
    });
    const { key, keyId } = issued.body as { key: string; keyId: string };
    const district = await httpClient(app, key);
    expect((await district.get('/api/v1/schools')).body).toEqual([expect.objectContaining({ schoolId: 'S1' })]);

    const listed = await state.get('/api/v1/keys');
    expect(listed.body).toContainEqual({
      keyId,
      name: 'Springfield district office',
      role: 'district:D1',
      createdAt: issued.body.createdAt,
      expiresAt: null,
      revokedAt: null,
    });
    // neither the secret nor its hash is ever listed
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(16));
    expect(Object.keys(listed.body[0]).sort()).toEqual(['createdAt', 'expiresAt', 'keyId', 'name', 'revokedAt', 'role']);

    const revoked = await state.post(`/api/v1/keys/${keyId}/revocation`, {});
    expect(revoked).toMatchObject({ status: 201, body: { keyId, revokedAt: expect.any(String) } });
    expect(await district.get('/api/v1/schools')).toEqual({ status: 401, body: { error: 'unauthorized', message: 'the API key is unknown or revoked' } });
    expect((await state.post('/api/v1/keys/0123456789ab/revocation', {})).status).toBe(404);
  });

  it('refuses an expired key with a 401 that says so', async () => {
    const expiresAt = new Date(Date.now() + 24 * 3600_000).toISOString();
    const issued = await state.post('/api/v1/keys', { name: 'a short visit', role: 'researcher', expiresAt });
    expect(issued.body).toMatchObject({ expiresAt });
    const researcher = await httpClient(app, issued.body.key);
    expect((await researcher.get('/api/v1/zones')).status).toBe(200);
    // The day has passed: moved in the table rather than waited for.
    await app.get<SqlClient>(SQL_CLIENT).query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE key_id = $1`, [issued.body.keyId]);
    const refused = await researcher.get('/api/v1/zones');
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'unauthorized', message: 'the API key has expired: ask the state office for a new one' });
  });

  it('refuses a key for a district or partner the registry does not know, a past expiry, and anyone but the state office', async () => {
    expect(await state.post('/api/v1/keys', { name: 'typo', role: 'district:D9' })).toEqual({
      status: 404,
      body: { error: 'not_found', message: "district 'D9' does not exist" },
    });
    expect(await state.post('/api/v1/keys', { name: 'typo', role: 'partner:P9' })).toEqual({
      status: 404,
      body: { error: 'not_found', message: "partner 'P9' does not exist" },
    });
    expect((await state.post('/api/v1/keys', { name: 'late', role: 'public', expiresAt: '2020-01-01' })).body).toMatchObject({
      error: 'validation',
      issues: [{ field: 'expiresAt' }],
    });
    expect((await state.post('/api/v1/keys', { role: 'public' })).body).toMatchObject({ error: 'validation', issues: [{ field: 'name' }] });
    const district = await httpClient(app, (await state.post('/api/v1/keys', { name: 'district', role: 'district:D1' })).body.key);
    expect((await district.post('/api/v1/keys', { name: 'mine', role: 'state' })).status).toBe(403);
    expect((await district.get('/api/v1/keys')).status).toBe(403);
  });

  it('manages keys with the CLI on the running service: --server and a state key', async () => {
    const env = { TURNAROUND_URL: state.base, TURNAROUND_KEY: TEST_STATE_KEY, DATA_DIR: dataDir };
    const created = await turnaround(['keys', 'create', '--role', 'partner:P', '--name', 'Lead partner office', '--expires', '2099-01-01'], env);
    expect(created).toMatchObject({ code: 0 });
    const [key, note] = created.stdout.trim().split('\n');
    const keyId = /^tm_([0-9a-f]{12})_/.exec(key)?.[1] as string;
    expect(note).toBe(`(key ${keyId} for Lead partner office, role partner:P, expires 2099-01-01T00:00:00.000Z: shown this once, only its hash is kept)`);
    expect((await (await httpClient(app, key)).get('/api/v1/contracts')).status).toBe(200);

    const listed = await turnaround(['keys', 'list', '--server', state.base, '--key', TEST_STATE_KEY], { DATA_DIR: dataDir });
    expect(listed.stdout).toMatch(new RegExp(`^${keyId}  partner:P .* expires 2099-01-01T00:00:00.000Z +Lead partner office$`, 'm'));
    expect(listed.stdout).not.toContain(key.slice(16));

    expect(await turnaround(['keys', 'revoke', keyId], env)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^revoked ${keyId}  partner:P .* revoked `)),
    });
    expect((await (await httpClient(app, key)).get('/api/v1/contracts')).status).toBe(401);

    expect(await turnaround(['keys', 'create', '--role', 'district:D9', '--name', 'typo'], env)).toMatchObject({
      code: 2,
      stderr: `turnaround: ${state.base} answered 404: district 'D9' does not exist\n`,
    });
  });

  it('says which address did not answer, and how to start the service there, when no service runs at --server', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const listed = await turnaround(['keys', 'list', '--server', `http://127.0.0.1:${port}`, '--key', TEST_STATE_KEY], { DATA_DIR: dataDir });
    expect(listed).toMatchObject({
      code: 2,
      stderr: `turnaround: nothing answered at http://127.0.0.1:${port} (ECONNREFUSED): start the service there (\`npm start\`, or \`npm run demo\` for the demo zone), or point --server at where it runs\n`,
    });
  });
});
