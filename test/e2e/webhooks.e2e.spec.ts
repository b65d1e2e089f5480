import { createHmac } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys, SECRET_KEY_FILE, SQL_CLIENT } from '@turnaround/platform';
import { migrate, openDatabase, SqlClient } from '@turnaround/postgres';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

const SECRET = 'district-one-shared-secret';

/** A district's receiver on loopback: checks every signature as README "Webhooks" says, and can go down. */
class Receiver {
  readonly received: { type: string; alertId: string; eventId: string }[] = [];
  readonly badSignatures: string[] = [];
  /** The Host header of each request: the URL's host, whatever address the connection went to. */
  readonly hosts: string[] = [];
  private server?: Server;
  port = 0;

  async up(): Promise<void> {
    this.server = createServer((request, response) => {
      this.hosts.push(String(request.headers.host));
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const timestamp = String(request.headers['x-turnaround-timestamp']);
        const expected = `v1=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
        const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
        if (request.headers['x-turnaround-signature'] !== expected || !fresh) {
          this.badSignatures.push(body);
          response.writeHead(401).end();
          return;
        }
        this.received.push(JSON.parse(body));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => (this.server as Server).listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
    this.server?.closeAllConnections();
  }
}

describe('webhooks: alerts delivered to districts, signed, retried, in order, through restarts', () => {
  let dataDir: string;
  const receiver = new Receiver();
  // The receivers run on loopback, which only an operator's allowance opens.
  const config = () => testConfig({ DATA_DIR: dataDir, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_RETRY_MAX_MS: '400', WEBHOOK_MAX_ATTEMPTS: '1000' });

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-webhooks-'));
  });
  afterAll(async () => {
    await receiver.down();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every alert event to the district that owns the school, even across a receiver outage and a service restart', async () => {
    await receiver.up();
    let app: INestApplication = await createApp(config(), { logger: false });
    let http = await httpClient(app);
    await registerOneClusterZone(http, [['S1', 'D1'], ['S2', 'D1'], ['S3', 'D2']]);
    // the district registers its own webhook with its own key; its secret never comes back
    const districtKey = (await app.get(ApiKeys).issue({ kind: 'district', districtId: 'D1' }, 'D1')).key;
    const district = await httpClient(app, districtKey);
    const registered = await district.post('/api/v1/districts/D1/webhooks', { url: `http://127.0.0.1:${receiver.port}/alerts`, secret: SECRET });
    expect(registered.status).toBe(201);
    expect(JSON.stringify(registered.body)).not.toContain(SECRET);
    // at rest the secret is sealed, with a key the embedded default made under DATA_DIR
    expect(JSON.stringify(await app.get<SqlClient>(SQL_CLIENT).query('SELECT * FROM webhooks'))).not.toContain(SECRET);
    expect(existsSync(join(dataDir, SECRET_KEY_FILE))).toBe(true);
    expect((await district.post('/api/v1/districts/D1/webhooks', { url: 'ftp://x', secret: 'short' })).body).toMatchObject({ issues: [{ field: 'url' }] });

    // S1 misses its year; S2 is at risk so far; S3 (D2) misses: D2 has no webhook, D1 hears nothing of it
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 920, '2024-03-31'), attendance2023('S3', 900)]);
    await waitUntil(async () => receiver.received.length, (count) => expect(count).toBe(3)); // S1 year end, S2 early warning, the cluster (2 of 3 missed)

    await receiver.down();
    // while the receiver is down: S1 is restated (resolved), S2's year closes missed (early warning resolved, year end raised), D1 acknowledges
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 940), attendance2023('S2', 900)]);
    const acknowledged = (await http.get('/api/v1/alerts?districtId=D1&status=open')).body as { alertId: string }[];
    await waitUntil(() => http.get('/api/v1/alerts?districtId=D1').then((answer) => answer.body as unknown[]), (list) => expect(list.length).toBeGreaterThanOrEqual(4));
    expect((await district.post(`/api/v1/alerts/${acknowledged[0].alertId}/acknowledge`, { note: 'principal informed' })).status).toBe(201);
    await waitUntil(() => district.get('/api/v1/districts/D1/webhook-deliveries?status=pending').then((answer) => answer.body as { attempts: number }[]), (pending) => {
      expect(pending.length).toBeGreaterThanOrEqual(3);
      expect(pending[0].attempts).toBeGreaterThan(0); // retried while down
    });

    // the service restarts while deliveries are pending, then the receiver comes back
    await app.close();
    app = await createApp(config(), { logger: false });
    http = await httpClient(app);
    await receiver.up();
    const deliveries = await waitUntil(
      () => http.get('/api/v1/districts/D1/webhook-deliveries').then((answer) => answer.body as { status: string; eventId: string }[]),
      (list) => expect(list.every((delivery) => delivery.status === 'delivered')).toBe(true),
      30_000,
    );
    // every event once, in the order they happened, none of D2's, no forged or stale signature accepted
    expect(receiver.received.map((notice) => notice.eventId)).toEqual(deliveries.map((delivery) => delivery.eventId));
    expect(receiver.received.map((notice) => notice.type)).toEqual(expect.arrayContaining(['OffTrackAlertRaised', 'OffTrackAlertResolved', 'OffTrackAlertAcknowledged']));
    expect(receiver.received.every((notice) => (notice as unknown as { districtIds: string[] }).districtIds.includes('D1'))).toBe(true);
    expect(receiver.badSignatures).toEqual([]);
    await app.close();
  });

  it('dead-letters a delivery after the configured attempts, and lists it', async () => {
    const failing = createServer((_request, response) => response.writeHead(500).end());
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const app = await createApp(testConfig({ DATA_DIR: dataDir, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_MAX_MS: '40', WEBHOOK_MAX_ATTEMPTS: '3' }), { logger: false });
    try {
      const http = await httpClient(app);
      await http.post('/api/v1/districts/D2/webhooks', { url: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/`, secret: 'another-shared-secret' });
      await http.post('/api/v1/feeds/attendance', [attendance2023('S3', 950)]);
      const dead = await waitUntil(() => http.get('/api/v1/districts/D2/webhook-deliveries?status=dead').then((answer) => answer.body as { attempts: number; lastError: string }[]), (list) => expect(list.length).toBeGreaterThan(0), 30_000);
      expect(dead[0]).toMatchObject({ attempts: 3, lastError: 'HTTP 500' });
    } finally {
      await app.close();
      failing.close();
    }
  });
});

type Http = Awaited<ReturnType<typeof httpClient>>;
type Lookup = (host: string, options: object) => Promise<{ address: string; family: number }[]>;

/** Answers DNS lookups of `answers`' host names; every other name goes to the real resolver. */
function fakeDns(answers: Record<string, { address: string; family: number }[]>): jest.SpyInstance {
  const real = dns.lookup.bind(dns) as unknown as Lookup;
  return jest.spyOn(dns as unknown as { lookup: Lookup }, 'lookup').mockImplementation(async (host, options) => answers[host] ?? real(host, options));
}

const deliveriesOf = (http: Http, districtId: string, status = '') =>
  http.get(`/api/v1/districts/${districtId}/webhook-deliveries${status && `?status=${status}`}`).then((answer) => answer.body as { status: string; eventId: string; lastError: string | null }[]);

describe('SSRF: webhooks reach nothing inside the network the service runs in', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Http;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-webhooks-ssrf-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'expected https, got http'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address'],
    ['https://127.0.0.1:5432/', '127.0.0.1 is a loopback address'],
    ['https://2130706433/', '127.0.0.1 is a loopback address'],
    ['https://localhost/', 'a loopback address'],
    ['https://10.0.0.1/', '10.0.0.1 is a private address'],
    ['https://172.16.5.4/', 'a private address'],
    ['https://192.168.1.1/', 'a private address'],
    ['https://100.64.0.1/', 'a carrier-grade NAT address'],
    ['https://0.0.0.0/', 'a "this network" address'],
    ['https://224.0.0.251/', 'a multicast address'],
    ['https://240.0.0.1/', 'a reserved address'],
    ['https://255.255.255.255/', 'a reserved address'],
    ['https://[::1]/', 'a loopback address'],
    ['https://[::]/', 'the unspecified address'],
    ['https://[::ffff:127.0.0.1]/', 'a loopback address'],
    ['https://[::ffff:a9fe:a9fe]/', 'a link-local address'],
    ['https://[fe80::1]/', 'a link-local address'],
    ['https://[fd00::1]/', 'a private (unique local) address'],
    ['https://[ff02::1]/', 'a multicast address'],
    ['https://[2001:db8::1]/', 'a documentation address'],
    ['https://[64:ff9b::a00:1]/', 'a reserved address'],
    ['ftp://hooks.example/', 'expected an https URL'],
    ['https://user:password@hooks.example/', 'without user name or password'],
  ])('refuses %s when it is registered (400 on url)', async (url, why) => {
    const answer = await http.post('/api/v1/districts/D1/webhooks', { url, secret: SECRET });
    expect(answer.status).toBe(400);
    expect(answer.body.issues).toEqual([{ field: 'url', message: expect.stringContaining(why) }]);
  });

  it('judges every address a host resolves to, and accepts public ones', async () => {
    fakeDns({
      'mixed.example': [{ address: '93.184.216.34', family: 4 }, { address: '10.1.2.3', family: 4 }],
      'public.example': [{ address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 }],
    });
    const mixed = await http.post('/api/v1/districts/D1/webhooks', { url: 'https://mixed.example/hooks', secret: SECRET });
    expect(mixed.body.issues).toEqual([{ field: 'url', message: expect.stringContaining('mixed.example is at 10.1.2.3, a private address') }]);
    expect((await http.post('/api/v1/districts/D1/webhooks', { url: 'https://public.example/hooks', secret: SECRET })).status).toBe(201);
    expect((await http.post('/api/v1/districts/D1/webhooks', { url: 'https://93.184.216.34/hooks', secret: SECRET })).status).toBe(201);
    jest.restoreAllMocks();
  });

  it('connects to the address it checked, never looking the host up again, and follows no redirect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnaround-webhooks-pinned-'));
    const receiver = new Receiver();
    await receiver.up();
    // Redirects every request to the receiver: a follower would deliver D2's alerts there too.
    const redirecting = createServer((_request, response) => response.writeHead(307, { location: `http://127.0.0.1:${receiver.port}/alerts` }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    // `.test` names resolve nowhere but here: a connection that looked its host up itself would fail.
    fakeDns({ 'receiver.test': [{ address: '127.0.0.1', family: 4 }], 'redirect.test': [{ address: '127.0.0.1', family: 4 }] });
    const pinned = await createApp(testConfig({ DATA_DIR: dir, WEBHOOK_ALLOWED_HOSTS: 'receiver.test,redirect.test', WEBHOOK_MAX_ATTEMPTS: '1' }), { logger: false });
    try {
      const state = await httpClient(pinned);
      await registerOneClusterZone(state, [['S1', 'D1'], ['S2', 'D1'], ['S3', 'D2']]);
      expect((await state.post('/api/v1/districts/D1/webhooks', { url: `http://receiver.test:${receiver.port}/alerts`, secret: SECRET })).status).toBe(201);
      const redirectPort = (redirecting.address() as AddressInfo).port;
      expect((await state.post('/api/v1/districts/D2/webhooks', { url: `http://redirect.test:${redirectPort}/`, secret: SECRET })).status).toBe(201);
      await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S3', 900)]);

      const delivered = await waitUntil(() => deliveriesOf(state, 'D1'), (list) => expect(list.length > 0 && list.every((delivery) => delivery.status === 'delivered')).toBe(true));
      const dead = await waitUntil(() => deliveriesOf(state, 'D2', 'dead'), (list) => expect(list.length).toBeGreaterThan(0));
      expect(dead[0].lastError).toBe('HTTP 307 (redirects are not followed)');
      expect(receiver.received.map((notice) => notice.eventId)).toEqual(delivered.map((delivery) => delivery.eventId));
      expect(new Set(receiver.hosts)).toEqual(new Set([`receiver.test:${receiver.port}`]));
      expect(receiver.badSignatures).toEqual([]);
    } finally {
      jest.restoreAllMocks();
      await pinned.close();
      await receiver.down();
      redirecting.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks the address again at each send: a receiver the operator no longer allows gets nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnaround-webhooks-recheck-'));
    const receiver = new Receiver();
    await receiver.up();
    let current = await createApp(testConfig({ DATA_DIR: dir, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }), { logger: false });
    try {
      let state = await httpClient(current);
      await registerOneClusterZone(state, [['S1', 'D1']]);
      expect((await state.post('/api/v1/districts/D1/webhooks', { url: `http://127.0.0.1:${receiver.port}/alerts`, secret: SECRET })).status).toBe(201);
      await current.close();
      // the operator withdraws the allowance: the stored webhook now points at a refused address
      current = await createApp(testConfig({ DATA_DIR: dir, WEBHOOK_MAX_ATTEMPTS: '1' }), { logger: false });
      state = await httpClient(current);
      await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 900)]);
      const dead = await waitUntil(() => deliveriesOf(state, 'D1', 'dead'), (list) => expect(list.length).toBeGreaterThan(0));
      expect(dead[0].lastError).toMatch(/^refused: url: expected https, got http/);
      expect(receiver.received).toEqual([]);
      expect(receiver.hosts).toEqual([]);
    } finally {
      await current.close();
      await receiver.down();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('webhook secrets at rest', () => {
  it('seals the secrets an earlier release stored in plain text, and still signs with them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnaround-webhooks-legacy-'));
    const receiver = new Receiver();
    await receiver.up();
    // The database as the release before sealed secrets left it: its one webhook migration, a plain-text secret.
    const before = await openDatabase({ dataDir: dir });
    await migrate(before, 'webhooks', [
      {
        id: '001-webhooks',
        sql: `
          CREATE TABLE webhooks (
            webhook_id text PRIMARY KEY, district_id text NOT NULL, url text NOT NULL, secret text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now());
          CREATE INDEX webhooks_district ON webhooks (district_id);
          CREATE TABLE webhook_deliveries (
            delivery_id bigserial PRIMARY KEY, webhook_id text NOT NULL REFERENCES webhooks (webhook_id), event_id text NOT NULL,
            payload jsonb NOT NULL, status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
            attempts integer NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL DEFAULT now(), last_error text, delivered_at timestamptz,
            UNIQUE (webhook_id, event_id));
          CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, delivery_id) WHERE status = 'pending';`,
      },
    ]);
    await before.query('INSERT INTO webhooks (webhook_id, district_id, url, secret) VALUES ($1, $2, $3, $4)', ['legacy', 'D1', `http://127.0.0.1:${receiver.port}/alerts`, SECRET]);
    await before.close();

    const app = await createApp(testConfig({ DATA_DIR: dir, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }), { logger: false });
    try {
      const stored = await app.get<SqlClient>(SQL_CLIENT).query('SELECT * FROM webhooks');
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(stored)).not.toContain(SECRET);
      const http = await httpClient(app);
      await registerOneClusterZone(http, [['S1', 'D1']]);
      await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900)]);
      await waitUntil(async () => receiver.received.length, (count) => expect(count).toBeGreaterThan(0));
      expect(receiver.badSignatures).toEqual([]);
    } finally {
      await app.close();
      await receiver.down();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
