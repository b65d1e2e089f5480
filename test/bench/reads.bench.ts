import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import autocannon from 'autocannon';
import { createPgClient, SqlClient } from '@turnaround/postgres';
import { TEST_SECRET_KEY, TEST_STATE_KEY } from '../e2e/support/app';

/**
 * The reads of the performance issue under load, part of `npm run bench`: each read is asked
 * by 1 and by 20 clients at once, for BENCH_READ_SECONDS (default 10) each, with autocannon:
 * p50, p95 and p99 of the answered requests' latency, and the requests answered per second.
 * The aim (issue 34): p95 <= 100 ms at 20 clients for every read.
 *
 * The service runs as production runs it (the built all-in-one, NODE_ENV=production) in a
 * process of its own, on the database that holds the log: autocannon in the service's process
 * would share its one Node thread, and the load tool's work would be counted as the service's.
 * The two processes and PostgreSQL still share the machine's cores. The requests carry a state
 * key issued through the API (its lookup is part of every request, as for a real caller).
 *
 * Baseline: beside each read, at the same number of clients and for as long, GET
 * /api/v1/metric-definitions, an answer from memory through the same HTTP server,
 * authentication (the key's one row) and JSON as every read, and no other query. What a read
 * takes over it is its own queries and answer.
 *
 * What bounds a read: `cpu` gives the cores used during each run by the service's process (1.0:
 * its one thread was never idle), by the database's backends (those serving the service, listed
 * before and after the run) and by this process, which runs the load.
 *
 * A request not answered when its run stops counts as unanswered and is left out of the
 * percentiles; where they are more than a twentieth of those sent, the read's p95 is a lower
 * bound, and the aim counts as not met.
 *
 * `BENCH_ONLY=reads npm run bench` runs these reads alone, on the database DATABASE_URL names,
 * which must already hold a log and its registry (`npm run demo -- --no-serve`, with
 * DATABASE_URL, TURNAROUND_SECRET_KEY and PORT set, loads the demo zone into one); the service
 * catches its read side up first.
 */
const SECONDS = Number(process.env.BENCH_READ_SECONDS ?? 10);
if (!Number.isInteger(SECONDS) || SECONDS < 1)
  throw new Error(`BENCH_READ_SECONDS: expected a whole number of seconds, 1 or more, got '${process.env.BENCH_READ_SECONDS}'`);
const CLIENTS = [1, 20];
const AIM = { text: 'p95 <= 100 ms at 20 clients', clients: 20, p95: 100 };
/** A web page's aim (issue 30): its p95 within this factor of the API call it mirrors, at the same load. */
const PAGE_AIM = { text: 'p95 <= 1.5x its API call at 20 clients', clients: 20, factor: 1.5 };
const BASELINE = { read: 'metric definitions (from memory)', path: '/api/v1/metric-definitions' };
/** Requests sent one at a time before a read is measured: its first answers compile code and warm the database's caches. */
const WARM_UP = 5;
/** A log as large as the state dataset's, replayed by the service's own runners, must be caught up by then. */
const READY_WITHIN_MS = 15 * 60_000;
/** The requests a run leaves unanswered, which the service still works through, must be done by then. */
const SETTLE_WITHIN_MS = 5 * 60_000;

interface Latencies {
  answered: number;
  /** Non-2xx answers and connection errors. */
  failed: number;
  unanswered: number;
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  /** Cores used during the run (CPU seconds over the run's seconds). */
  cpu: { service: number; database: number; loadTool: number };
}

/** A read to measure: an API call, or a web page, which a signed-in person asks for with a session cookie, beside the API call (`mirrors`, a read's path) that it shows. */
interface Read {
  read: string;
  path: string;
  mirrors?: string;
}

export interface ReadFigure extends Latencies {
  read: string;
  path: string;
  /** A page's API call, and its p95 in the same run at the same load. */
  mirrors?: { path: string; p95: number };
  clients: number;
  seconds: number;
  baseline: Latencies & { read: string; path: string };
  /** p95 against the baseline's p95. */
  ratio: number;
  /** On the runs at AIM.clients. */
  aim?: string;
  met?: boolean;
}

/**
 * Starts the built service (`entry`) on the database of `databaseUrl`, waits until it is ready,
 * and measures each read against the registry and log it holds.
 */
export async function readsOn(databaseUrl: string, entry: string): Promise<ReadFigure[]> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Only what the service needs: a bench run with KAFKA_BROKERS set must not start consumers here.
  const service = spawn(process.execPath, [entry], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      TURNAROUND_BOOTSTRAP_KEY: TEST_STATE_KEY,
      TURNAROUND_SECRET_KEY: TEST_SECRET_KEY,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(service, 'exit');
  // One connection of the bench's own, beside the service's: the middle of the log, and the database's backends.
  const sql = createPgClient(databaseUrl, { max: 1 });
  try {
    await ready(base, exited);
    const issued = (await answer(base, TEST_STATE_KEY, '/api/v1/keys', { role: 'state', name: 'bench reads' })) as { key: string; keyId: string };
    try {
      const target: Target = { base, key: issued.key, cookie: await signIn(base, issued.key), servicePid: service.pid as number, sql };
      const reads = await readsOf(target);
      const figures: ReadFigure[] = [];
      await warmUp(target, { read: BASELINE.read, path: BASELINE.path });
      for (const read of reads) {
        await warmUp(target, read);
        for (const clients of CLIENTS) {
          const baseline = await underLoad(target, { read: BASELINE.read, path: BASELINE.path }, clients, SECONDS);
          const figure = await underLoad(target, read, clients, SECONDS);
          const sound = figure.failed === 0 && !censored(figure);
          const mirrored = read.mirrors && figures.find((other) => other.path === read.mirrors && other.clients === clients);
          const mirrors = mirrored ? { path: mirrored.path, p95: mirrored.p95 } : undefined;
          const aimed =
            clients !== AIM.clients
              ? {}
              : mirrors
                ? { aim: PAGE_AIM.text, met: sound && figure.p95 <= PAGE_AIM.factor * mirrors.p95 }
                : { aim: AIM.text, met: sound && figure.p95 <= AIM.p95 };
          const { mirrors: _path, ...named } = read;
          figures.push({
            ...named,
            ...(mirrors ? { mirrors } : {}),
            clients,
            seconds: SECONDS,
            ...figure,
            baseline: { ...BASELINE, ...baseline },
            ratio: figure.p95 / baseline.p95,
            ...aimed,
          });
        }
      }
      return figures;
    } finally {
      await answer(base, TEST_STATE_KEY, `/api/v1/keys/${issued.keyId}/revocation`, {});
    }
  } finally {
    await sql.close();
    service.kill('SIGTERM');
    await exited;
  }
}

/** The service under load, its process, and a connection to its database. */
interface Target {
  base: string;
  key: string;
  /** The session cookie of the key's holder, signed in to the web app. */
  cookie: string;
  servicePid: number;
  sql: SqlClient;
}

/** The reads of the performance issue, on the first contract of the registry (by id), its first school, its cluster's zone, and the middle of the log's knowledge time. */
async function readsOf({ base, key, sql }: Target): Promise<Read[]> {
  const contracts = (await answer(base, key, '/api/v1/contracts')) as { contractId: string; clusterId: string; schoolIds: string[] }[];
  if (contracts.length === 0) throw new Error('reads: the database has no contract; load a registry and feeds into it first');
  const [contract] = [...contracts].sort((a, b) => a.contractId.localeCompare(b.contractId));
  const { zoneId } = (await answer(base, key, `/api/v1/clusters/${encodeURIComponent(contract.clusterId)}`)) as { zoneId: string };
  const [{ middle }] = await sql.query<{ middle: number }>(
    'SELECT extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY recorded_at))::float8 AS middle FROM es_events',
  );
  const asOf = encodeURIComponent(new Date(middle * 1000).toISOString());
  const scorecard = `/api/v1/contracts/${encodeURIComponent(contract.contractId)}/scorecard`;
  return [
    { read: `contract scorecard (${contract.contractId})`, path: scorecard },
    { read: 'contract scorecard, ?asOf= mid-log', path: `${scorecard}?asOf=${asOf}` },
    { read: 'alerts, all', path: '/api/v1/alerts' },
    { read: 'alerts, all, ?asOf= mid-log', path: `/api/v1/alerts?asOf=${asOf}` },
    { read: `school metrics (${contract.schoolIds[0]})`, path: `/api/v1/schools/${encodeURIComponent(contract.schoolIds[0])}/metrics` },
    { read: `zone metrics (${zoneId})`, path: `/api/v1/zones/${encodeURIComponent(zoneId)}/metrics` },
    { read: 'feeds coverage', path: '/api/v1/feeds/coverage' },
    // The web app's pages, each beside the API call whose answer it shows (the home page reads
    // zones, scorecards, alerts and coverage: it is set beside the alerts).
    { read: 'page: home', path: '/', mirrors: '/api/v1/alerts' },
    { read: `page: contract (${contract.contractId})`, path: `/contracts/${encodeURIComponent(contract.contractId)}`, mirrors: scorecard },
    {
      read: `page: school (${contract.schoolIds[0]})`,
      path: `/schools/${encodeURIComponent(contract.schoolIds[0])}`,
      mirrors: `/api/v1/schools/${encodeURIComponent(contract.schoolIds[0])}/metrics`,
    },
    { read: `page: zone (${zoneId})`, path: `/zones/${encodeURIComponent(zoneId)}`, mirrors: `/api/v1/zones/${encodeURIComponent(zoneId)}/metrics` },
    { read: 'page: coverage', path: '/coverage', mirrors: '/api/v1/feeds/coverage' },
  ];
}

/** `path` asked by `clients` connections at once for `seconds`, each sending its next request when its last is answered. */
async function underLoad(target: Target, { path, mirrors }: Read, clients: number, seconds: number): Promise<Latencies> {
  const times: number[] = [];
  const before = await cpuNow(target);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      // No request times out before its run ends: one still running then is unanswered. Each
      // takes gzip, as browsers, Grafana, curl --compressed and HTTP libraries ask by default.
      {
        url: `${target.base}${path}`,
        connections: clients,
        duration: seconds,
        timeout: seconds + 1,
        headers: { ...(mirrors ? { cookie: target.cookie } : { authorization: `Bearer ${target.key}` }), 'accept-encoding': 'gzip' },
      },
      (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, statusCode, _bytes, milliseconds) => {
      if (statusCode >= 200 && statusCode < 300) times.push(milliseconds);
    });
  });
  const after = await cpuNow(target);
  const database = [...after.backends].reduce((sum, [pid, cpu]) => sum + cpu - (before.backends.get(pid) ?? 0), 0);
  const cpu = { service: after.service - before.service, database, loadTool: after.loadTool - before.loadTool };
  await settle(target);
  times.sort((a, b) => a - b);
  const at = (q: number) => (times.length === 0 ? NaN : times[Math.ceil(q * times.length) - 1]);
  const answeredAny = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    answered: times.length,
    failed: result.non2xx + result.errors,
    unanswered: result.requests.sent - answeredAny - result.errors,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    rps: times.length / result.duration,
    cpu: { service: cpu.service / result.duration, database: cpu.database / result.duration, loadTool: cpu.loadTool / result.duration },
  };
}

/**
 * Until the service has worked through what the stopped run left (autocannon drops its
 * connections, but the service still answers the requests it has begun), so that no run pays
 * for the one before: an answer, and then no query of the service running.
 */
async function settle(target: Target): Promise<void> {
  const deadline = Date.now() + SETTLE_WITHIN_MS;
  for (;;) {
    await answer(target.base, target.key, BASELINE.path);
    const [{ running }] = await target.sql.query<{ running: number }>(
      `SELECT count(*)::int AS running FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'`,
    );
    if (running === 0) return;
    if (Date.now() > deadline) throw new Error(`reads: the service was still running ${running} queries ${SETTLE_WITHIN_MS / 60_000} min after a run`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** More unanswered requests than a twentieth of those sent: the slowest twentieth is unknown, and p95 with it. */
function censored(figure: Latencies): boolean {
  return figure.unanswered > (figure.answered + figure.failed + figure.unanswered) / 20;
}

/** The reads as a table, for stdout. */
export function readsTable(figures: readonly ReadFigure[]): string {
  const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
  const row = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(44) : cell.padStart(index === cells.length - 1 ? 9 : 10))).join(' ');
  const lines = figures.map((f) =>
    row([
      f.read,
      String(f.clients),
      ms(f.p50),
      `${censored(f) ? '>=' : ''}${ms(f.p95)}`,
      ms(f.p99),
      f.rps.toFixed(0),
      ms(f.baseline.p95),
      f.baseline.rps.toFixed(0),
      f.cpu.service.toFixed(2),
      f.cpu.database.toFixed(2),
      f.cpu.loadTool.toFixed(2),
      String(f.failed),
      f.mirrors ? `${(f.p95 / f.mirrors.p95).toFixed(2)}x` : '',
      f.met === undefined ? '' : f.met ? 'met' : 'NOT met',
    ]),
  );
  return [
    `reads under load (postgres, ${SECONDS} s a run; baseline: GET ${BASELINE.path} beside each run; cores used by the service, its database and the load tool;`,
    `>= before a p95: more than a twentieth of the requests were still unanswered when the run stopped; aim ${AIM.text};`,
    `a page's p95 against its API call's in the same run under "vs API", aim ${PAGE_AIM.text})`,
    row(['read', 'clients', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'base p95', 'base req/s', 'service', 'database', 'load tool', 'failed', 'vs API', 'aim']),
    ...lines,
  ].join('\n');
}

/**
 * Until `/health/ready` answers 200: the service listens and its read side has caught up with the
 * log (within its READY_MAX_LAG_EVENTS). `exited`, when the service runs in a process of its own:
 * its exit, which ends the wait at once.
 */
export async function ready(base: string, exited?: Promise<unknown>): Promise<void> {
  let stopped = false;
  void exited?.then(() => (stopped = true));
  const deadline = Date.now() + READY_WITHIN_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (stopped) throw new Error('the service exited before it was ready (its errors are above)');
    try {
      const response = await fetch(`${base}/health/ready`, { headers: { authorization: `Bearer ${TEST_STATE_KEY}` } });
      if (response.ok) return;
      last = await response.text();
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the service was not ready within ${READY_WITHIN_MS / 60_000} min: ${last}`);
}

/** The service's answer to a GET, or to a POST of `body`; anything but 2xx is an error that names the path. */
async function answer(base: string, key: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-actor': 'bench' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`reads: ${body === undefined ? 'GET' : 'POST'} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** A few requests one at a time, which fail loudly on a wrong id, then a second under the full load, not recorded. */
async function warmUp(target: Target, read: Read): Promise<void> {
  for (let n = 0; n < WARM_UP; n++) {
    if (!read.mirrors) await answer(target.base, target.key, read.path);
    else {
      const page = await fetch(`${target.base}${read.path}`, { headers: { cookie: target.cookie } });
      if (!page.ok) throw new Error(`reads: GET ${read.path} answered ${page.status}: ${(await page.text()).slice(0, 500)}`);
      await page.text();
    }
  }
  await underLoad(target, read, Math.max(...CLIENTS), 1);
}

/** Signs in to the web app with `key` through its form, as a person does; the session cookie. */
async function signIn(base: string, key: string): Promise<string> {
  const form = await fetch(`${base}/sign-in`);
  const formCookies = form.headers.getSetCookie().map((header) => header.split(';')[0]);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error('reads: the sign-in page has no csrf field');
  const signedIn = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: formCookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, key }).toString(),
  });
  const session = signedIn.headers.getSetCookie().find((header) => header.startsWith('tm_session='));
  if (signedIn.status !== 303 || !session) throw new Error(`reads: signing in answered ${signedIn.status}: ${(await signedIn.text()).slice(0, 500)}`);
  return session.split(';')[0];
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * CPU seconds so far of the service's process, of each backend of its database but the bench's
 * own connection, and of this process. A backend that ends during a run takes its share with it:
 * the service's pool keeps its connections while they are busy.
 */
async function cpuNow({ servicePid, sql }: Target): Promise<{ service: number; backends: Map<number, number>; loadTool: number }> {
  const pids = await sql.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  const backends = new Map<number, number>();
  for (const { pid } of pids) {
    const cpu = cpuSeconds(pid);
    if (cpu !== undefined) backends.set(pid, cpu);
  }
  const own = process.cpuUsage();
  return { service: cpuSeconds(servicePid) ?? 0, backends, loadTool: (own.user + own.system) / 1e6 };
}

let clockTicks: number | undefined;

/** User and system CPU time of process `pid` so far, from /proc (Linux only, as the replay's peak RSS); undefined once it has ended. */
function cpuSeconds(pid: number): number | undefined {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The fields after the command name, which is in parentheses: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}
