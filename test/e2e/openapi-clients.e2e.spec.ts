import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { httpClient } from './support/http-client';

jest.setTimeout(600_000);

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

/**
 * Runs openapi-generator through its npm wrapper, which fetches the generator's jar from Maven
 * Central: the version pinned in test/e2e/clients/openapitools.json.
 */
function generate(document: string, generator: string, out: string, properties: string[] = []) {
  const cli = join(ROOT, 'node_modules/@openapitools/openapi-generator-cli/main.js');
  const options = ['--openapitools', join(ROOT, 'test/e2e/clients/openapitools.json'), 'generate', '-i', document, '-g', generator, '-o', out];
  return run(process.execPath, [cli, ...options, ...(properties.length ? ['--additional-properties', properties.join(',')] : [])], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * What a district's IT would write against the generated TypeScript client: the small zone of
 * the other suites registered, a feed pushed, a scorecard read and an alert acknowledged, each
 * through the client's typed methods. Compiled with the client, so a call that does not fit the
 * generated types fails the test before it runs.
 */
const CALLS = `
import { AlertsApi, Configuration, FeedsApi, MetricsApi, RegistryApi } from './index';

export function clients(basePath: string, accessToken: string) {
  const configuration = new Configuration({ basePath, accessToken });
  return { registry: new RegistryApi(configuration), feeds: new FeedsApi(configuration), metrics: new MetricsApi(configuration), alerts: new AlertsApi(configuration) };
}

export async function registerZone({ registry }: ReturnType<typeof clients>) {
  const zone = await registry.zonesEstablish({ zonesEstablishRequest: { zoneId: 'Z', stateCode: 'MA', name: 'Zone', districtIds: ['D1', 'D2'] } });
  await registry.clustersForm({ clustersFormRequest: { clusterId: 'C', zoneId: 'Z', name: 'Cluster' } });
  for (const [schoolId, districtId] of [['S1', 'D1'], ['S2', 'D2']]) {
    await registry.schoolsRegister({ schoolsRegisterRequest: { schoolId, districtId, name: 'School ' + schoolId, gradeSpan: '06-08' } });
    await registry.schoolsAssign({ schoolId, schoolsAssignRequest: { clusterId: 'C', fromYear: '2023-24', strategy: 'transformation' } });
  }
  await registry.partnersRegister({ partnersRegisterRequest: { partnerId: 'P', name: 'Partner', role: 'lead' } });
  const contract = await registry.contractsSign({
    contractsSignRequest: {
      contractId: 'K', partnerId: 'P', clusterId: 'C', schoolIds: ['S1', 'S2'], governance: 'district_lead_partner', startYear: '2023-24', termYears: 3, baselineYear: '2022-23',
      targets: [{ metric: 'attendance_rate', contractYear: 1, kind: 'absolute', value: 0.93, scope: 'school' }],
    },
  });
  return { zoneName: zone.name, contractId: contract.contractId, targets: contract.targets.length };
}

export async function pushAttendance({ feeds }: ReturnType<typeof clients>) {
  const record = (schoolId: string, attendanceDays: number) => ({ schoolId, schoolYear: '2023-24', periodStart: '2023-09-01', periodEnd: '2024-06-30', membershipDays: 1000, attendanceDays });
  const pushed = await feeds.feedsPush({ kind: 'attendance', feedsPushRequestInner: [record('S1', 900), record('S2', 950)] });
  return { status: pushed.status, accepted: pushed.accepted };
}

export async function readScorecard({ metrics }: ReturnType<typeof clients>) {
  const scorecard = await metrics.metricsScorecard({ contractId: 'K' });
  return scorecard.lines.map((line) => ({ subjectId: line.subjectId, metric: line.metric, contractYear: line.contractYear, actual: line.actual, status: line.status }));
}

export async function openAlerts({ alerts }: ReturnType<typeof clients>) {
  return (await alerts.alertsList({ status: 'open' })).map((alert) => ({ alertId: alert.alertId, schoolId: alert.schoolId }));
}

export async function acknowledge({ alerts }: ReturnType<typeof clients>, alertId: string) {
  const alert = await alerts.alertsAcknowledge({ alertId, alertsAcknowledgeRequest: { note: 'coach in place' } });
  return { status: alert.status, notes: alert.acknowledgements.map((acknowledgement) => acknowledgement.note) };
}
`;

/** CALLS, compiled: what the test calls it by (its types are the generated client's, checked by tsc). */
interface Calls {
  clients(basePath: string, accessToken: string): object;
  registerZone(client: object): Promise<unknown>;
  pushAttendance(client: object): Promise<unknown>;
  readScorecard(client: object): Promise<Record<string, unknown>[]>;
  openAlerts(client: object): Promise<{ alertId: string; schoolId: string }[]>;
  acknowledge(client: object, alertId: string): Promise<unknown>;
}

/**
 * The README says a district's IT "can generate a typed client" from `/api/docs/openapi.json`:
 * this is that, with the generator state IT shops use (openapi-generator), in two languages.
 */
describe('clients generated from the OpenAPI document', () => {
  let dataDir: string;
  let work: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  let documentFile: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-clients-'));
    work = mkdtempSync(join(tmpdir(), 'turnaround-generated-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    documentFile = join(work, 'openapi.json');
    writeFileSync(documentFile, JSON.stringify((await http.get('/api/docs/openapi.json')).body));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('generates a TypeScript client (typescript-fetch) that compiles and registers, pushes, reads a scorecard and acknowledges through it', async () => {
    const out = join(work, 'typescript');
    await generate(documentFile, 'typescript-fetch', out);
    writeFileSync(join(out, 'calls.ts'), CALLS);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    await run(
      process.execPath,
      [
        tsc,
        '--strict',
        '--target',
        'es2022',
        '--module',
        'commonjs',
        '--lib',
        'es2022,dom',
        '--skipLibCheck',
        '--outDir',
        join(out, 'dist'),
        join(out, 'calls.ts'),
      ],
      { cwd: out },
    ).catch((error: { stdout: string }) => {
      throw new Error(`the generated client does not compile:\n${error.stdout}`);
    });
    const calls = require(join(out, 'dist/calls.js')) as Calls;
    const client = calls.clients(http.base, TEST_STATE_KEY);

    expect(await calls.registerZone(client)).toEqual({ zoneName: 'Zone', contractId: 'K', targets: 1 });
    expect(await calls.pushAttendance(client)).toEqual({ status: 'completed', accepted: 2 });
    // S1 at 90.0% is below its 93% target: an alert, which its district acknowledges
    const [alert] = await waitUntil(
      () => calls.openAlerts(client),
      (open) => expect(open).toEqual([expect.objectContaining({ schoolId: 'S1' })]),
    );
    const lines = await calls.readScorecard(client);
    expect(lines).toEqual(expect.arrayContaining([{ subjectId: 'S1', metric: 'attendance_rate', contractYear: 1, actual: 0.9, status: 'missed' }]));
    // what the client read is what the API answers
    const answer = (await http.get('/api/v1/contracts/K/scorecard')).body as { lines: Record<string, unknown>[] };
    expect(lines).toEqual(answer.lines.map(({ subjectId, metric, contractYear, actual, status }) => ({ subjectId, metric, contractYear, actual, status })));
    expect(await calls.acknowledge(client, alert.alertId)).toEqual({ status: 'acknowledged', notes: ['coach in place'] });
  });

  it('generates a Java client (java, native HTTP client) that compiles with Maven', async () => {
    const out = join(work, 'java');
    await generate(documentFile, 'java', out, [
      'library=native',
      'groupId=gov.state.turnaround',
      'artifactId=turnaround-client',
      'invokerPackage=gov.state.turnaround.client',
      'apiPackage=gov.state.turnaround.client.api',
      'modelPackage=gov.state.turnaround.client.model',
    ]);
    await run('mvn', ['-q', '-B', 'compile'], { cwd: out, maxBuffer: 64 * 1024 * 1024 }).catch((error: { stdout: string }) => {
      throw new Error(`the generated Java client does not compile:\n${error.stdout.slice(-20_000)}`);
    });
    // the API classes and the named answer models are there
    const { stdout } = await run('find', [join(out, 'target/classes'), '-name', '*.class']);
    const classes = stdout.split('\n').map((file) =>
      file
        .replace(/^.*\/classes\//, '')
        .replace(/\.class$/, '')
        .replace(/\//g, '.'),
    );
    expect(classes).toEqual(
      expect.arrayContaining([
        'gov.state.turnaround.client.api.RegistryApi',
        'gov.state.turnaround.client.api.AlertsApi',
        'gov.state.turnaround.client.model.Scorecard',
        'gov.state.turnaround.client.model.Alert',
      ]),
    );
  });
});
