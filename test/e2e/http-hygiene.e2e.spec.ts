import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { httpClient } from './support/http-client';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const METRICS_TOKEN = 'metrics-token-0123456789';

/**
 * The HTTP edge (issue 29, docs/architecture.md#operations-and-security): the headers every answer carries, what
 * /metrics and /health/ready tell whom, input no route can take refused as a 400 naming it, the
 * server's timeouts, and keys kept out of the logs.
 */
describe('the HTTP edge', () => {
  const dirs: string[] = [];
  const apps: INestApplication[] = [];
  /** Every JSON log line the app wrote. */
  const log: string[] = [];
  let http: Awaited<ReturnType<typeof httpClient>>;
  let withoutMetricsToken: Awaited<ReturnType<typeof httpClient>>;
  let port: number;

  async function start(env: Record<string, string>) {
    const dataDir = mkdtempSync(join(tmpdir(), 'turnaround-http-'));
    dirs.push(dataDir);
    const app = await createApp(testConfig({ DATA_DIR: dataDir, ...env }), { logDestination: { write: (line: string) => log.push(line) } });
    apps.push(app);
    return httpClient(app);
  }
  const keys = () => apps[apps.length - 1].get(ApiKeys);

  beforeAll(async () => {
    // NestJS's logger is one for the process, the last app's: the app under test starts last.
    withoutMetricsToken = await start({ NODE_ENV: 'production', LOG_FORMAT: 'json' });
    http = await start({
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      METRICS_TOKEN,
      TRUST_PROXY: 'loopback',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '30000',
      HTTP_IDLE_TIMEOUT_MS: '1000',
    });
    port = Number(new URL(http.base).port);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('headers', () => {
    it('sends no X-Powered-By, nosniff, no framing, a policy without inline script, and no-store', async () => {
      for (const [path, status] of [
        ['/api/v1/zones', 200],
        ['/api/v1/zones/NONE', 404],
        ['/health/live', 200],
      ] as const) {
        const response = await fetch(`${http.base}${path}`, { headers: { authorization: `Bearer ${TEST_STATE_KEY}` } });
        expect(response.status).toBe(status);
        expect(response.headers.get('x-powered-by')).toBeNull();
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-frame-options')).toBe('DENY');
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
        const policy = response.headers.get('content-security-policy') ?? '';
        expect(policy).toContain("script-src 'self'");
        expect(policy).toContain("frame-ancestors 'none'");
        expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
        // plain http here: no HSTS
        expect(response.headers.get('strict-transport-security')).toBeNull();
      }
    });

    it('sends HSTS where TLS ends: on a request a trusted proxy says came over https', async () => {
      const response = await fetch(`${http.base}/health/live`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
    });
  });

  describe('/metrics and /health/ready', () => {
    it('in production, serves /metrics to METRICS_TOKEN only', async () => {
      expect((await fetch(`${http.base}/metrics`)).status).toBe(401);
      expect((await fetch(`${http.base}/metrics`, { headers: { authorization: `Bearer ${TEST_STATE_KEY}` } })).status).toBe(401);
      const scrape = await fetch(`${http.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('turnaround_projection_lag_events');
    });

    it('in production without METRICS_TOKEN, has no /metrics at all', async () => {
      const response = await fetch(`${withoutMetricsToken.base}/metrics`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'not_found', message: expect.stringContaining('METRICS_TOKEN') });
    });

    it('tells an anonymous caller ready or not, and the reasons and runners only to a state key or METRICS_TOKEN', async () => {
      const ready = async (authorization?: string) => {
        const response = await fetch(`${http.base}/health/ready`, { headers: authorization ? { authorization } : {} });
        return { status: response.status, body: (await response.json()) as { status: string; reasons?: string[]; projections?: unknown[] } };
      };
      const researcher = await keys().issue({ kind: 'researcher' }, 'a researcher');
      expect(await ready()).toEqual({ status: 200, body: { status: 'ready' } });
      expect(await ready(`Bearer ${researcher.key}`)).toEqual({ status: 200, body: { status: 'ready' } });
      expect(await ready('Bearer not-a-key')).toEqual({ status: 200, body: { status: 'ready' } });
      for (const token of [TEST_STATE_KEY, METRICS_TOKEN]) {
        const told = await ready(`Bearer ${token}`);
        expect(told.body).toMatchObject({ status: 'ready', reasons: [] });
        expect(told.body.projections?.length).toBeGreaterThan(0);
      }
    });
  });

  describe('input no route can take is a 400 naming it', () => {
    it('refuses a query parameter given twice, on every route', async () => {
      for (const path of [
        '/api/v1/schools?districtId=A&districtId=B',
        '/api/v1/alerts?districtId=A&districtId=B',
        '/api/v1/research/panel?metrics=a&metrics=b',
        '/api/v1/zones?unknown=1&unknown=2',
      ]) {
        const answer = await http.get(path);
        const name = new URL(path, http.base).searchParams.keys().next().value;
        expect(answer).toEqual({
          status: 400,
          body: {
            error: 'validation',
            message: expect.stringContaining(name ?? ''),
            issues: [{ field: name, message: 'expected one value, got 2 (write a list comma-separated, where the parameter takes one)' }],
          },
        });
      }
    });

    it('refuses a NUL in a query parameter', async () => {
      expect(await http.get('/api/v1/schools?districtId=D%001')).toMatchObject({
        status: 400,
        body: { issues: [{ field: 'districtId', message: 'expected text without NUL characters' }] },
      });
    });

    it('refuses a NUL in any string of a JSON body, naming the field', async () => {
      const school = await http.post('/api/v1/schools', { schoolId: 'S1', districtId: 'D1', name: 'Lincoln\u0000 Middle', gradeSpan: '06-08' });
      expect(school).toEqual({
        status: 400,
        body: {
          error: 'validation',
          message: 'name: expected text without NUL characters',
          issues: [{ field: 'name', message: 'expected text without NUL characters' }],
        },
      });
      const note = await http.post('/api/v1/alerts/ANY/acknowledge', { note: 'coaching\u0000' });
      expect(note).toMatchObject({ status: 400, body: { issues: [{ field: 'note', message: 'expected text without NUL characters' }] } });
      const nested = await http.post('/api/v1/contracts', { contractId: 'K', targets: [{ metric: 'proficiency.math' }, { metric: 'x\u0000' }] });
      expect(nested).toMatchObject({ status: 400, body: { issues: [{ field: 'targets.1.metric', message: 'expected text without NUL characters' }] } });
      const name = await http.post('/api/v1/zones', { 'zone\u0000Id': 'Z' });
      expect(name).toMatchObject({ status: 400, body: { issues: [{ field: 'zone\\u0000Id', message: 'expected a field name without NUL characters' }] } });
    });
  });

  describe('timeouts', () => {
    /** A raw connection to the app, and everything it received until the server closed it. */
    function rawConnection() {
      const socket = connect(port, '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (chunk) => received.push(chunk));
      const closed = once(socket, 'close').then(() => Buffer.concat(received).toString());
      return { socket, closed };
    }

    /** Writes `text` one byte at a time, each `everyMs`, until the server closes the socket. */
    function dribble(socket: Socket, text: string, everyMs: number) {
      let at = 0;
      const timer = setInterval(() => {
        if (at < text.length && socket.writable) socket.write(text[at++]);
      }, everyMs);
      socket.on('close', () => clearInterval(timer));
    }

    it('closes a connection whose header arrives a byte at a time, past HTTP_HEADERS_TIMEOUT_MS, with a 408', async () => {
      const { socket, closed } = rawConnection();
      const started = Date.now();
      // a byte every 50 ms keeps it from being idle; the whole header would take 10 s
      dribble(socket, `GET /api/v1/zones HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TEST_STATE_KEY}\r\nx-long: ${'a'.repeat(120)}\r\n\r\n`, 50);
      expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('closes a connection whose chunked body stalls, past HTTP_IDLE_TIMEOUT_MS', async () => {
      const { socket, closed } = rawConnection();
      const started = Date.now();
      socket.write(
        `POST /api/v1/zones HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TEST_STATE_KEY}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{"zon\r\n`,
      );
      await closed;
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  describe('logs', () => {
    it('never holds a key: not from the authorization header, a query parameter, a path or anywhere in a message', async () => {
      const { key } = await keys().issue({ kind: 'state' }, 'log test');
      const calls = [
        fetch(`${http.base}/api/v1/zones`, { headers: { authorization: `Bearer ${key}` } }),
        fetch(`${http.base}/api/v1/zones?key=${key}`, { headers: { authorization: `Bearer ${key}` } }),
        fetch(`${http.base}/api/v1/zones?apiKey=${encodeURIComponent(TEST_STATE_KEY)}&access_token=${key}`),
        fetch(`${http.base}/api/v1/zones?token=some-other-token-value`),
        fetch(`${http.base}/api/v1/zones/${key}`, { headers: { authorization: `Bearer ${key}` } }),
        fetch(`${http.base}/api/v1/schools?districtId=${key}`, { headers: { authorization: `Bearer ${TEST_STATE_KEY}` } }),
        fetch(`${http.base}/api/v1/zones?q=${METRICS_TOKEN}`, { headers: { authorization: `Bearer ${TEST_STATE_KEY}` } }),
      ];
      for (const response of await Promise.all(calls)) await response.arrayBuffer();
      // each of them logs one line, and each but the first had a key to take out of it
      const requestLines = () => log.filter((line) => line.includes('"context":"HTTP"') && line.includes('"route":'));
      await waitUntil(requestLines, (lines) => expect(lines.filter((line) => line.includes('[redacted]'))).toHaveLength(calls.length - 1));
      const text = log.join('');
      for (const secret of [key, key.slice(0, 30), TEST_STATE_KEY, METRICS_TOKEN, 'some-other-token-value']) expect(text).not.toContain(secret);
      expect(text).toContain('GET /api/v1/zones?key=[redacted] 200');
    });

    it('prints no key into the log on a first start without a terminal, and says how to make one', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'turnaround-first-start-'));
      dirs.push(dataDir);
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_FORMAT: 'json' };
      for (const name of ['DATABASE_URL', 'KAFKA_BROKERS', 'EVENTSTORE_URL', 'TURNAROUND_BOOTSTRAP_KEY', 'NODE_ENV']) delete env[name];
      const service = spawn('node', ['-r', './infra/register.js', 'services/all-in-one/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      service.stdout.on('data', (chunk) => (output += chunk));
      service.stderr.on('data', (chunk) => (output += chunk));
      const exited = once(service, 'exit');
      try {
        await waitUntil(
          () => output,
          (text) => expect(text).toContain('turnaround-monitor on'),
          60_000,
        );
      } finally {
        service.kill();
        await exited;
      }
      expect(output).toContain('first start: no API key yet');
      expect(output).not.toMatch(/tm_[0-9a-f]{12}_/);
    });
  });
});
