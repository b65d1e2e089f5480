import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { eventually } from './support/eventually';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

const SECRET = 'district-one-shared-secret';

/** A district's receiver on loopback: checks every signature as README "Webhooks" says, and can go down. */
class Receiver {
  readonly received: { type: string; alertId: string; eventId: string }[] = [];
  readonly badSignatures: string[] = [];
  private server?: Server;
  port = 0;

  async up(): Promise<void> {
    this.server = createServer((request, response) => {
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
  const config = () => testConfig({ DATA_DIR: dataDir, WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_RETRY_MAX_MS: '400', WEBHOOK_MAX_ATTEMPTS: '1000' });

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
    expect((await district.post('/api/v1/districts/D1/webhooks', { url: 'ftp://x', secret: 'short' })).body).toMatchObject({ issues: [{ field: 'url' }] });

    // S1 misses its year; S2 is at risk so far; S3 (D2) misses: D2 has no webhook, D1 hears nothing of it
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 920, '2024-03-31'), attendance2023('S3', 900)]);
    await eventually(async () => receiver.received.length, (count) => expect(count).toBe(3)); // S1 year end, S2 early warning, the cluster (2 of 3 missed)

    await receiver.down();
    // while the receiver is down: S1 is restated (resolved), S2's year closes missed (early warning resolved, year end raised), D1 acknowledges
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 940), attendance2023('S2', 900)]);
    const acknowledged = (await http.get('/api/v1/alerts?districtId=D1&status=open')).body as { alertId: string }[];
    await eventually(() => http.get('/api/v1/alerts?districtId=D1').then((answer) => answer.body as unknown[]), (list) => expect(list.length).toBeGreaterThanOrEqual(4));
    expect((await district.post(`/api/v1/alerts/${acknowledged[0].alertId}/acknowledge`, { note: 'principal informed' })).status).toBe(201);
    await eventually(() => district.get('/api/v1/districts/D1/webhook-deliveries?status=pending').then((answer) => answer.body as { attempts: number }[]), (pending) => {
      expect(pending.length).toBeGreaterThanOrEqual(3);
      expect(pending[0].attempts).toBeGreaterThan(0); // retried while down
    });

    // the service restarts while deliveries are pending, then the receiver comes back
    await app.close();
    app = await createApp(config(), { logger: false });
    http = await httpClient(app);
    await receiver.up();
    const deliveries = await eventually(
      () => http.get('/api/v1/districts/D1/webhook-deliveries').then((answer) => answer.body as { status: string; eventId: string }[]),
      (list) => expect(list.every((delivery) => delivery.status === 'delivered')).toBe(true),
      30_000,
    );
    // every event once, in the order they happened, none of D2's, no forged or stale signature accepted
    expect(receiver.received.map((notice) => notice.eventId)).toEqual(deliveries.map((delivery) => delivery.eventId));
    expect(receiver.received.map((notice) => notice.type)).toEqual(expect.arrayContaining(['OffTrackAlertRaised', 'OffTrackAlertResolved', 'OffTrackAlertAcknowledged']));
    expect(receiver.received.every((notice) => (notice as unknown as { districtId: string }).districtId === 'D1')).toBe(true);
    expect(receiver.badSignatures).toEqual([]);
    await app.close();
  });

  it('dead-letters a delivery after the configured attempts, and lists it', async () => {
    const failing = createServer((_request, response) => response.writeHead(500).end());
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const app = await createApp(testConfig({ DATA_DIR: dataDir, WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_MAX_MS: '40', WEBHOOK_MAX_ATTEMPTS: '3' }), { logger: false });
    try {
      const http = await httpClient(app);
      await http.post('/api/v1/districts/D2/webhooks', { url: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/`, secret: 'another-shared-secret' });
      await http.post('/api/v1/feeds/attendance', [attendance2023('S3', 950)]);
      const dead = await eventually(() => http.get('/api/v1/districts/D2/webhook-deliveries?status=dead').then((answer) => answer.body as { attempts: number; lastError: string }[]), (list) => expect(list.length).toBeGreaterThan(0), 30_000);
      expect(dead[0]).toMatchObject({ attempts: 3, lastError: 'HTTP 500' });
    } finally {
      await app.close();
      failing.close();
    }
  });
});
