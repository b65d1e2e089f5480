import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';
import { hiddenCsrf, webClient } from './support/web-client';

jest.setTimeout(180_000);

type Alert = { alertId: string; schoolId: string | null; status: string; acknowledgements: { by: string; byName: string | null; note: string }[] };

/** The alert ids a page lists, in its order. */
function listedAlerts(html: string, section: string): string[] {
  const part = new RegExp(`data-section="${section}"[\\s\\S]*?</section>`).exec(html)?.[0] ?? '';
  return [...part.matchAll(/<tr data-alert="([^"]+)"/g)].map(([, alertId]) => alertId);
}

/**
 * Zone Z, cluster C of S1 (D1), S2 (D2) and S3 (D1): S1 and S2 miss their attendance target, so
 * each has an open alert. D1's district office works its inbox in the browser.
 */
describe('the web app: the district inbox, alert pages and webhooks', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  let districtKey: { key: string; keyId: string };
  let stateKey: { key: string; keyId: string };
  let alertOfS1: Alert;
  let alertOfS2: Alert;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-web-inbox-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    await registerOneClusterZone(http, [
      ['S1', 'D1'],
      ['S2', 'D2'],
      ['S3', 'D1'],
    ]);
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 900), attendance2023('S3', 990)]);
    const alerts = await waitUntil(
      () => http.get('/api/v1/alerts?status=open').then((answer) => answer.body as Alert[]),
      (open) => expect(open.length).toBeGreaterThanOrEqual(2),
    );
    alertOfS1 = alerts.find((alert) => alert.schoolId === 'S1') as Alert;
    alertOfS2 = alerts.find((alert) => alert.schoolId === 'S2') as Alert;
    const keys = app.get(ApiKeys);
    districtKey = await keys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office');
    stateKey = await keys.issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office');
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lists the district's own open alerts, as GET /api/v1/alerts narrows them, and the state office's all", async () => {
    const district = webClient(http.base);
    await district.signIn(districtKey.key);
    const inbox = await district.get('/inbox');
    expect(inbox.status).toBe(200);
    expect(inbox.html).toContain('href="/inbox" aria-current="page"');
    const own = (await fetch(`${http.base}/api/v1/alerts?status=open`, { headers: { authorization: `Bearer ${districtKey.key}` } }).then((answer) =>
      answer.json(),
    )) as Alert[];
    expect(listedAlerts(inbox.html, 'open').sort()).toEqual(own.map((alert) => alert.alertId).sort());
    expect(listedAlerts(inbox.html, 'open')).toContain(alertOfS1.alertId);
    expect(listedAlerts(inbox.html, 'open')).not.toContain(alertOfS2.alertId);

    const state = webClient(http.base);
    await state.signIn(stateKey.key);
    const all = (await http.get('/api/v1/alerts?status=open')).body as Alert[];
    expect(listedAlerts((await state.get('/inbox')).html, 'open').sort()).toEqual(all.map((alert) => alert.alertId).sort());
  });

  it("answers another district's alert with a 404 page, to read or to acknowledge", async () => {
    const district = webClient(http.base);
    await district.signIn(districtKey.key);
    const page = await district.get(`/alerts/${alertOfS2.alertId}`);
    expect(page.status).toBe(404);
    const own = await district.get(`/alerts/${alertOfS1.alertId}`);
    const acknowledged = await district.post(`/alerts/${alertOfS2.alertId}/acknowledge`, { csrf: hiddenCsrf(own.html), note: 'not ours' });
    expect(acknowledged.status).toBe(404);
    expect(((await http.get(`/api/v1/alerts/${alertOfS2.alertId}`)).body as Alert).acknowledgements).toEqual([]);
  });

  it('refuses an acknowledgement without the form token, and one without a note', async () => {
    const district = webClient(http.base);
    await district.signIn(districtKey.key);
    expect((await district.post(`/alerts/${alertOfS1.alertId}/acknowledge`, { note: 'forged' })).status).toBe(403);
    const page = await district.get(`/alerts/${alertOfS1.alertId}`);
    const empty = await district.post(`/alerts/${alertOfS1.alertId}/acknowledge`, { csrf: hiddenCsrf(page.html), note: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('expected a note saying what the district does about the alert');
    expect(empty.html).toContain('aria-invalid="true"');
    expect(((await http.get(`/api/v1/alerts/${alertOfS1.alertId}`)).body as Alert).acknowledgements).toEqual([]);
  });

  it('acknowledges an alert with a note: the API shows it with the name of the key that did it, and the page its history', async () => {
    const district = webClient(http.base);
    await district.signIn(districtKey.key);
    const page = await district.get(`/alerts/${alertOfS1.alertId}`);
    expect(page.html).toContain('<label class="usa-label" for="note">');
    const sent = await district.post(`/alerts/${alertOfS1.alertId}/acknowledge`, { csrf: hiddenCsrf(page.html), note: 'Attendance coach starts Monday' });
    expect(sent).toMatchObject({ status: 303, location: `/alerts/${alertOfS1.alertId}?notice=acknowledged` });

    const alert = (await http.get(`/api/v1/alerts/${alertOfS1.alertId}`)).body as Alert;
    expect(alert.status).toBe('acknowledged');
    expect(alert.acknowledgements).toEqual([
      expect.objectContaining({ by: districtKey.keyId, byName: 'Springfield district office', note: 'Attendance coach starts Monday' }),
    ]);

    const after = await district.get(sent.location as string);
    expect(after.html).toContain('The acknowledgement is recorded');
    expect(after.html).toContain('data-by-name="Springfield district office"');
    expect(after.html).toMatch(/acknowledged by Springfield district office: “Attendance coach starts Monday”/);
    const inbox = await district.get('/inbox');
    expect(listedAlerts(inbox.html, 'acknowledged')).toContain(alertOfS1.alertId);
    expect(listedAlerts(inbox.html, 'open')).not.toContain(alertOfS1.alertId);
  });

  it('shows a district its own webhooks page only, and refuses a registration the API refuses, saying why', async () => {
    const district = webClient(http.base);
    await district.signIn(districtKey.key);
    const page = await district.get('/webhooks');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Webhooks of district D1');
    expect((await district.get('/webhooks?districtId=D2')).status).toBe(404);
    const refused = await district.post('/webhooks', {
      csrf: hiddenCsrf(page.html),
      districtId: 'D1',
      url: 'http://127.0.0.1/hook',
      secret: 'a-secret-of-enough-length',
    });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('The webhook was not registered');
    expect(refused.html).not.toContain('a-secret-of-enough-length');
    expect((await http.get('/api/v1/districts/D1/webhooks')).body).toEqual([]);
    expect((await district.post('/webhooks', { districtId: 'D1', url: 'https://example.org/hook', secret: 'a-secret-of-enough-length' })).status).toBe(403);
  });
});
