import { createHmac } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { CloudEventV1, HTTP } from 'cloudevents';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { InProcessMessageBus, topicsOf } from '@turnaround/messaging';
import { ApiKeys, MESSAGE_BUS, SECRET_KEY_FILE, SQL_CLIENT } from '@turnaround/platform';
import { migrate, openDatabase, SqlClient } from '@turnaround/postgres';
import { testConfig } from './support/app';
import { expectedAlertAttributes } from './support/cloud-events';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

const SECRET = 'district-one-shared-secret';

type Notice = { type: string; alertId: string; eventId: string; recordedAt: string; webhookId?: string };

/**
 * A district's receiver on loopback: checks every signature as README "Webhooks" says, reads a
 * CloudEvent with the CloudEvents SDK (a legacy delivery's body is the notice itself), and can go down.
 */
class Receiver {
  /** The notice of each delivery: the CloudEvent's data. */
  readonly received: Notice[] = [];
  /** Each delivery's CloudEvent, beside `received` (none in the legacy shape). */
  readonly events: CloudEventV1<Notice>[] = [];
  readonly contentTypes: string[] = [];
  readonly badSignatures: string[] = [];
  /** The Host header of each request: the URL's host, whatever address the connection went to. */
  readonly hosts: string[] = [];
  /** The path of each delivery received, beside `received`. */
  readonly paths: string[] = [];
  /** X-Turnaround-Signature of each request, by X-Turnaround-Event. */
  readonly signatures = new Map<string, string>();
  /** The one secret this receiver knows; any of the signature's values may match it. */
  secret = SECRET;
  private server?: Server;
  port = 0;

  async up(): Promise<void> {
    this.server = createServer((request, response) => {
      this.hosts.push(String(request.headers.host));
      const signatures = String(request.headers['x-turnaround-signature']);
      this.signatures.set(String(request.headers['x-turnaround-event']), signatures);
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const timestamp = String(request.headers['x-turnaround-timestamp']);
        const expected = `v1=${createHmac('sha256', this.secret).update(`${timestamp}.${body}`).digest('hex')}`;
        const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
        if (
          !signatures
            .split(',')
            .map((value) => value.trim())
            .includes(expected) ||
          !fresh
        ) {
          this.badSignatures.push(body);
          response.writeHead(401).end();
          return;
        }
        this.paths.push(String(request.url));
        const contentType = String(request.headers['content-type']);
        this.contentTypes.push(contentType);
        if (contentType === 'application/json') this.received.push(JSON.parse(body));
        else {
          const event = HTTP.toEvent({ headers: request.headers, body }) as CloudEventV1<Notice>;
          this.events.push(event);
          this.received.push(event.data as Notice);
        }
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
  // The receivers run on loopback, which only an operator's allowance opens, on the receiver's port.
  const config = () =>
    testConfig({
      DATA_DIR: dataDir,
      WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`,
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '400',
      WEBHOOK_MAX_ATTEMPTS: '1000',
    });

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
    await registerOneClusterZone(http, [
      ['S1', 'D1'],
      ['S2', 'D1'],
      ['S3', 'D2'],
    ]);
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
    await waitUntil(
      async () => receiver.received.length,
      (count) => expect(count).toBe(3),
    ); // S1 year end, S2 early warning, the cluster (2 of 3 missed)

    await receiver.down();
    // while the receiver is down: S1 is restated (resolved), S2's year closes missed (early warning resolved, year end raised), D1 acknowledges
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 940), attendance2023('S2', 900)]);
    const acknowledged = (await http.get('/api/v1/alerts?districtId=D1&status=open')).body as { alertId: string }[];
    await waitUntil(
      () => http.get('/api/v1/alerts?districtId=D1').then((answer) => answer.body as unknown[]),
      (list) => expect(list.length).toBeGreaterThanOrEqual(4),
    );
    expect((await district.post(`/api/v1/alerts/${acknowledged[0].alertId}/acknowledge`, { note: 'principal informed' })).status).toBe(201);
    await waitUntil(
      () => district.get('/api/v1/districts/D1/webhook-deliveries?status=pending').then((answer) => answer.body as { attempts: number }[]),
      (pending) => {
        expect(pending.length).toBeGreaterThanOrEqual(3);
        expect(pending[0].attempts).toBeGreaterThan(0); // retried while down
      },
    );

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
    expect(receiver.received.map((notice) => notice.type)).toEqual(
      expect.arrayContaining(['OffTrackAlertRaised', 'OffTrackAlertResolved', 'OffTrackAlertAcknowledged']),
    );
    expect(receiver.received.every((notice) => (notice as unknown as { districtIds: string[] }).districtIds.includes('D1'))).toBe(true);
    expect(receiver.badSignatures).toEqual([]);
    // each a CloudEvent in structured mode, of its documented type, with the alert event's id
    expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/cloudevents+json; charset=utf-8']));
    expect(receiver.events).toHaveLength(receiver.received.length);
    for (const event of receiver.events) expect(event).toMatchObject(expectedAlertAttributes(event.data));
    await app.close();
  });

  it('dead-letters a delivery after the configured attempts, and lists it', async () => {
    const failing = createServer((_request, response) => response.writeHead(500).end());
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const failingPort = (failing.address() as AddressInfo).port;
    const app = await createApp(
      testConfig({
        DATA_DIR: dataDir,
        WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${failingPort}`,
        WEBHOOK_RETRY_BASE_MS: '20',
        WEBHOOK_RETRY_MAX_MS: '40',
        WEBHOOK_MAX_ATTEMPTS: '3',
      }),
      { logger: false },
    );
    try {
      const http = await httpClient(app);
      await http.post('/api/v1/districts/D2/webhooks', { url: `http://127.0.0.1:${failingPort}/`, secret: 'another-shared-secret' });
      await http.post('/api/v1/feeds/attendance', [attendance2023('S3', 950)]);
      const dead = await waitUntil(
        () => http.get('/api/v1/districts/D2/webhook-deliveries?status=dead').then((answer) => answer.body as { attempts: number; lastError: string }[]),
        (list) => expect(list.length).toBeGreaterThan(0),
        30_000,
      );
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
  http
    .get(`/api/v1/districts/${districtId}/webhook-deliveries${status && `?status=${status}`}`)
    .then((answer) => answer.body as { webhookId: string; status: string; eventId: string; lastError: string | null; payload: unknown }[]);

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
    ['https://localhost/', 'localhost is not a public address, or does not resolve'],
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

  it('never says what a host name resolves to, nor whether it resolves at all', async () => {
    fakeDns({ 'loop.test': [{ address: '127.0.0.1', family: 4 }], 'inside.test': [{ address: '10.20.30.40', family: 4 }], 'gone.test': [] });
    for (const host of ['loop.test', 'inside.test', 'gone.test']) {
      const answer = await http.post('/api/v1/districts/D1/webhooks', { url: `https://${host}/hooks`, secret: SECRET });
      expect(answer.status).toBe(400);
      expect(answer.body.issues).toEqual([
        {
          field: 'url',
          message: `expected a host with public addresses only; ${host} is not a public address, or does not resolve (an operator may allow a host with WEBHOOK_ALLOWED_HOSTS)`,
        },
      ]);
    }
    jest.restoreAllMocks();
  });

  it('judges every address a host resolves to, and accepts public ones', async () => {
    fakeDns({
      'mixed.example': [
        { address: '93.184.216.34', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
      'public.example': [{ address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 }],
    });
    const mixed = await http.post('/api/v1/districts/D1/webhooks', { url: 'https://mixed.example/hooks', secret: SECRET });
    expect(mixed.body.issues).toEqual([{ field: 'url', message: expect.stringContaining('mixed.example is not a public address') }]);
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
    const redirectPort = (redirecting.address() as AddressInfo).port;
    const pinned = await createApp(
      testConfig({ DATA_DIR: dir, WEBHOOK_ALLOWED_HOSTS: `receiver.test:${receiver.port},redirect.test:${redirectPort}`, WEBHOOK_MAX_ATTEMPTS: '1' }),
      { logger: false },
    );
    try {
      const state = await httpClient(pinned);
      await registerOneClusterZone(state, [
        ['S1', 'D1'],
        ['S2', 'D1'],
        ['S3', 'D2'],
      ]);
      expect((await state.post('/api/v1/districts/D1/webhooks', { url: `http://receiver.test:${receiver.port}/alerts`, secret: SECRET })).status).toBe(201);
      expect((await state.post('/api/v1/districts/D2/webhooks', { url: `http://redirect.test:${redirectPort}/`, secret: SECRET })).status).toBe(201);
      await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S3', 900)]);

      const delivered = await waitUntil(
        () => deliveriesOf(state, 'D1'),
        (list) => expect(list.length > 0 && list.every((delivery) => delivery.status === 'delivered')).toBe(true),
      );
      const dead = await waitUntil(
        () => deliveriesOf(state, 'D2', 'dead'),
        (list) => expect(list.length).toBeGreaterThan(0),
      );
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

  it.each([
    ['withdraws the allowance', '', /^not allowed: url: expected https, got http/],
    [
      'allows the host on another port only',
      '127.0.0.1:1',
      /^not allowed: url: expected port 1 for 127\.0\.0\.1, the port WEBHOOK_ALLOWED_HOSTS allows it on; got \d+$/,
    ],
  ])('checks the address again at each send: when the operator %s, the receiver gets nothing', async (_change, allowedAfter, why) => {
    const dir = mkdtempSync(join(tmpdir(), 'turnaround-webhooks-recheck-'));
    const receiver = new Receiver();
    await receiver.up();
    let current = await createApp(testConfig({ DATA_DIR: dir, WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}` }), { logger: false });
    try {
      let state = await httpClient(current);
      await registerOneClusterZone(state, [['S1', 'D1']]);
      expect((await state.post('/api/v1/districts/D1/webhooks', { url: `http://127.0.0.1:${receiver.port}/alerts`, secret: SECRET })).status).toBe(201);
      await current.close();
      // the stored webhook now points where the operator no longer allows
      current = await createApp(testConfig({ DATA_DIR: dir, WEBHOOK_ALLOWED_HOSTS: allowedAfter, WEBHOOK_MAX_ATTEMPTS: '1' }), { logger: false });
      state = await httpClient(current);
      await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 900)]);
      const dead = await waitUntil(
        () => deliveriesOf(state, 'D1', 'dead'),
        (list) => expect(list.length).toBeGreaterThan(0),
      );
      expect(dead[0].lastError).toMatch(why);
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
    await before.query('INSERT INTO webhooks (webhook_id, district_id, url, secret) VALUES ($1, $2, $3, $4)', [
      'legacy',
      'D1',
      `http://127.0.0.1:${receiver.port}/alerts`,
      SECRET,
    ]);
    await before.close();

    const app = await createApp(testConfig({ DATA_DIR: dir, WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}` }), { logger: false });
    try {
      const stored = await app.get<SqlClient>(SQL_CLIENT).query('SELECT * FROM webhooks');
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(stored)).not.toContain(SECRET);
      const http = await httpClient(app);
      await registerOneClusterZone(http, [['S1', 'D1']]);
      await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900)]);
      await waitUntil(
        async () => receiver.received.length,
        (count) => expect(count).toBeGreaterThan(0),
      );
      expect(receiver.badSignatures).toEqual([]);
    } finally {
      await app.close();
      await receiver.down();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('managing webhooks: where they may point, what a failure says, removal, secret rotation, test deliveries, the cap', () => {
  let dir: string;
  let app: INestApplication;
  let sql: SqlClient;
  let state: Http;
  let district: Http;
  let partner: Http;
  const receiver = new Receiver();
  const unavailable = createServer((_request, response) => response.writeHead(503).end());
  // Takes the connection and never answers.
  const silent = createServer(() => undefined);
  let closedPort = 0;
  const portOf = (server: Server) => (server.address() as AddressInfo).port;
  const listen = (server: Server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const register = (http: Http, districtId: string, url: string) => http.post(`/api/v1/districts/${districtId}/webhooks`, { url, secret: SECRET });
  const ping = (http: Http, districtId: string, webhookId: string) =>
    http
      .post(`/api/v1/districts/${districtId}/webhooks/${webhookId}/test`, {})
      .then((answer) => answer.body as { eventId: string; delivered: boolean; failure: string | null });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'turnaround-webhooks-manage-'));
    await receiver.up();
    await Promise.all([listen(unavailable), listen(silent)]);
    // A port nothing listens on: taken, then let go.
    const closed = createServer();
    await listen(closed);
    closedPort = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    const loopback = [receiver.port, portOf(unavailable), portOf(silent), closedPort].map((port) => `127.0.0.1:${port}`);
    app = await createApp(
      testConfig({ DATA_DIR: dir, WEBHOOK_ALLOWED_HOSTS: [...loopback, 'hooks.district.test', '[fd00::5]:8443'].join(','), WEBHOOK_MAX_ATTEMPTS: '1' }),
      { logger: false },
    );
    sql = app.get<SqlClient>(SQL_CLIENT);
    state = await httpClient(app);
    await registerOneClusterZone(state, [
      ['S1', 'D1'],
      ['S2', 'D2'],
    ]);
    district = await httpClient(app, (await app.get(ApiKeys).issue({ kind: 'district', districtId: 'D1' }, 'D1')).key);
    partner = await httpClient(app, (await app.get(ApiKeys).issue({ kind: 'partner', partnerId: 'P' }, 'P')).key);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await app.close();
    await receiver.down();
    silent.closeAllConnections();
    await Promise.all([new Promise((resolve) => unavailable.close(resolve)), new Promise((resolve) => silent.close(resolve))]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens an allowed host on its port only, 443 when the allowance names none', async () => {
    fakeDns({ 'hooks.district.test': [{ address: '10.0.0.5', family: 4 }] });
    // D7 has no school: nothing is ever sent to these
    expect((await register(state, 'D7', 'https://hooks.district.test/hooks')).status).toBe(201);
    expect((await register(state, 'D7', 'https://[fd00::5]:8443/hooks')).status).toBe(201);
    const refused = async (url: string) => (await register(state, 'D7', url)).body.issues;
    expect(await refused('https://hooks.district.test:8443/hooks')).toEqual([
      { field: 'url', message: 'expected port 443 for hooks.district.test, the port WEBHOOK_ALLOWED_HOSTS allows it on; got 8443' },
    ]);
    expect(await refused('http://hooks.district.test/hooks')).toEqual([
      { field: 'url', message: 'expected port 443 for hooks.district.test, the port WEBHOOK_ALLOWED_HOSTS allows it on; got 80' },
    ]);
    expect(await refused('https://[fd00::5]/hooks')).toEqual([
      { field: 'url', message: 'expected port 8443 for [fd00::5], the port WEBHOOK_ALLOWED_HOSTS allows it on; got 443' },
    ]);
    expect(await refused('http://127.0.0.1:5432/')).toEqual([
      { field: 'url', message: expect.stringMatching(/^expected port \d+ or \d+ or \d+ or \d+ for 127\.0\.0\.1, .*; got 5432$/) },
    ]);
    jest.restoreAllMocks();
  });

  it('records a failed delivery as its category only, in the outbox and in a test delivery', async () => {
    const cases = [
      { url: `http://127.0.0.1:${closedPort}/`, failure: 'connection refused' },
      // TLS spoken to a port that answers plain HTTP
      { url: `https://127.0.0.1:${receiver.port}/`, failure: 'TLS' },
      { url: `http://127.0.0.1:${portOf(unavailable)}/`, failure: 'HTTP 503' },
      { url: `http://127.0.0.1:${portOf(silent)}/`, failure: 'timeout' },
    ];
    const webhookIds = await Promise.all(cases.map(async ({ url }) => (await register(state, 'D2', url)).body.webhookId as string));
    await state.post('/api/v1/feeds/attendance', [attendance2023('S2', 900)]);
    const tested = await Promise.all(webhookIds.map((webhookId) => ping(state, 'D2', webhookId)));
    expect(tested.map(({ delivered, failure }) => ({ delivered, failure }))).toEqual(cases.map(({ failure }) => ({ delivered: false, failure })));
    // the no-answer timeout is 10 s
    const dead = await waitUntil(
      () => deliveriesOf(state, 'D2', 'dead'),
      (list) => expect(new Set(list.map((delivery) => delivery.webhookId))).toEqual(new Set(webhookIds)),
      30_000,
    );
    for (const delivery of dead) expect(delivery.lastError).toBe(cases[webhookIds.indexOf(delivery.webhookId)].failure);
    await Promise.all(webhookIds.map((webhookId) => state.delete(`/api/v1/districts/D2/webhooks/${webhookId}`)));
  });

  it('rotates a secret: old and new both sign for 24 hours, then only the new one', async () => {
    const { webhookId } = (await register(district, 'D1', `http://127.0.0.1:${receiver.port}/rotating`)).body as { webhookId: string };
    const rotated = await district.post(`/api/v1/districts/D1/webhooks/${webhookId}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    const { secret, previousSecretExpiresAt } = rotated.body as { secret: string; previousSecretExpiresAt: string };
    expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    // sealed at rest, and never shown again
    expect(JSON.stringify(await sql.query('SELECT * FROM webhooks'))).not.toContain(secret);
    expect(JSON.stringify((await district.get('/api/v1/districts/D1/webhooks')).body)).not.toContain(secret);

    // a receiver that still knows the old secret verifies, and so does one that took up the new one
    const before = await ping(district, 'D1', webhookId);
    expect(before).toMatchObject({ delivered: true, failure: null });
    expect(receiver.signatures.get(before.eventId)?.split(', ')).toHaveLength(2);
    receiver.secret = secret;
    expect(await ping(district, 'D1', webhookId)).toMatchObject({ delivered: true });

    // the overlap ends: the dispatcher erases the old secret, which signs no more
    await sql.query(`UPDATE webhooks SET previous_secret_expires_at = now() - interval '1 second' WHERE webhook_id = $1`, [webhookId]);
    await waitUntil(
      () => sql.query<{ previous_sealed_secret: string | null }>('SELECT previous_sealed_secret FROM webhooks WHERE webhook_id = $1', [webhookId]),
      ([row]) => expect(row.previous_sealed_secret).toBeNull(),
    );
    const after = await ping(district, 'D1', webhookId);
    expect(after).toMatchObject({ delivered: true });
    expect(receiver.signatures.get(after.eventId)?.split(', ')).toHaveLength(1);
    expect(receiver.received.find((notice) => notice.eventId === after.eventId)).toMatchObject({ type: 'WebhookTest', eventId: after.eventId, webhookId });
    expect(receiver.events.find((event) => event.id === after.eventId)).toMatchObject({ type: 'gov.state.turnaround.webhook.test', subject: webhookId });
    receiver.secret = SECRET;
    expect(await ping(district, 'D1', webhookId)).toEqual({ webhookId, eventId: expect.stringMatching(/^test-/), delivered: false, failure: 'HTTP 401' });
    expect((await district.delete(`/api/v1/districts/D1/webhooks/${webhookId}`)).status).toBe(200);
  });

  it('removes a webhook: its owner district or the state may, its deliveries go, and nothing more is sent to it', async () => {
    const kept = (await register(district, 'D1', `http://127.0.0.1:${receiver.port}/kept`)).body.webhookId as string;
    const removed = (await register(district, 'D1', `http://127.0.0.1:${receiver.port}/removed`)).body.webhookId as string;
    const otherDistricts = (await register(state, 'D2', `http://127.0.0.1:${receiver.port}/d2`)).body.webhookId as string;
    await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 900)]);
    await waitUntil(
      async () => receiver.paths,
      (paths) => expect(paths).toEqual(expect.arrayContaining(['/kept', '/removed'])),
    );

    // a district removes its own webhooks only; a partner none
    expect((await district.delete(`/api/v1/districts/D1/webhooks/${otherDistricts}`)).body).toMatchObject({
      error: 'not_found',
      message: `webhook '${otherDistricts}' does not exist`,
    });
    expect((await district.delete(`/api/v1/districts/D2/webhooks/${otherDistricts}`)).status).toBe(404);
    expect((await partner.delete(`/api/v1/districts/D1/webhooks/${removed}`)).status).toBe(403);
    expect(await district.delete(`/api/v1/districts/D1/webhooks/${removed}`)).toMatchObject({ status: 200, body: { webhookId: removed, districtId: 'D1' } });
    expect((await state.delete(`/api/v1/districts/D2/webhooks/${otherDistricts}`)).status).toBe(200);
    expect((await state.delete(`/api/v1/districts/D2/webhooks/${otherDistricts}`)).status).toBe(404);
    expect(((await district.get('/api/v1/districts/D1/webhooks')).body as { webhookId: string }[]).map((webhook) => webhook.webhookId)).toEqual([kept]);
    expect((await deliveriesOf(district, 'D1')).map((delivery) => delivery.webhookId)).not.toContain(removed);
    for (const route of ['rotate-secret', 'test']) expect((await district.post(`/api/v1/districts/D1/webhooks/${removed}/${route}`, {})).status).toBe(404);

    // S1 is restated: the kept webhook hears of the resolution, the removed one does not
    await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 950)]);
    const resolvedAt = () => receiver.received.flatMap((notice, index) => (notice.type === 'OffTrackAlertResolved' ? [receiver.paths[index]] : []));
    await waitUntil(
      async () => resolvedAt(),
      (paths) => expect(paths).toContain('/kept'),
    );
    expect(resolvedAt()).not.toContain('/removed');
  });

  it('holds a district to 10 webhooks, even when they are registered at once', async () => {
    const statuses = await Promise.all(Array.from({ length: 12 }, () => register(state, 'D8', 'https://93.184.216.34/hooks').then((answer) => answer.status)));
    expect(statuses.sort()).toEqual([...Array(10).fill(201), 409, 409]);
    const refused = await register(state, 'D8', 'https://93.184.216.34/hooks');
    expect(refused).toMatchObject({
      status: 409,
      body: { message: "district 'D8' has 10 webhooks, the most a district may have (10); delete one before registering another" },
    });
    const [first] = (await state.get('/api/v1/districts/D8/webhooks')).body as { webhookId: string }[];
    await state.delete(`/api/v1/districts/D8/webhooks/${first.webhookId}`);
    expect((await register(state, 'D8', 'https://93.184.216.34/hooks')).status).toBe(201);
  });
});

describe('ALERT_MESSAGE_FORMAT=legacy: the shapes before CloudEvents, for this release', () => {
  it('posts the notice itself as JSON, and publishes it with the alertId, eventId and type headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnaround-webhooks-legacy-format-'));
    const receiver = new Receiver();
    await receiver.up();
    const app = await createApp(testConfig({ DATA_DIR: dir, WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`, ALERT_MESSAGE_FORMAT: 'legacy' }), {
      logger: false,
    });
    try {
      const http = await httpClient(app);
      await registerOneClusterZone(http, [['S1', 'D1']]);
      const { webhookId } = (await http.post('/api/v1/districts/D1/webhooks', { url: `http://127.0.0.1:${receiver.port}/alerts`, secret: SECRET })).body as {
        webhookId: string;
      };
      await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900)]);
      const delivered = await waitUntil(
        () => deliveriesOf(http, 'D1'),
        (list) => expect(list.length > 0 && list.every((delivery) => delivery.status === 'delivered')).toBe(true),
      );
      expect(receiver.badSignatures).toEqual([]);
      expect(receiver.contentTypes).toEqual(delivered.map(() => 'application/json'));
      expect(receiver.received).toEqual(delivered.map((delivery) => delivery.payload));
      expect(receiver.received.every((notice) => notice.type === 'OffTrackAlertRaised')).toBe(true);
      // the in-process bus of the embedded default holds what Kafka would
      const topic = (app.get(MESSAGE_BUS) as InProcessMessageBus).published(topicsOf().alerts);
      const published = await waitUntil(
        async () => topic.map((message) => ({ key: message.key, value: JSON.parse(message.value as string), headers: message.headers })),
        (list) => expect(list).toHaveLength(receiver.received.length),
      );
      expect(published).toEqual(
        receiver.received.map((notice) => ({ key: 'D1', value: notice, headers: { alertId: notice.alertId, eventId: notice.eventId, type: notice.type } })),
      );

      const ping = (await http.post(`/api/v1/districts/D1/webhooks/${webhookId}/test`, {})).body as { eventId: string; delivered: boolean };
      expect(ping.delivered).toBe(true);
      expect(receiver.received.at(-1)).toEqual({ type: 'WebhookTest', eventId: ping.eventId, recordedAt: expect.any(String), districtId: 'D1', webhookId });
      expect(receiver.events).toEqual([]);
    } finally {
      await app.close();
      await receiver.down();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
