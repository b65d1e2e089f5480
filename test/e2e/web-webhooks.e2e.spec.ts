import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { registerOneClusterZone } from './support/one-cluster-zone';
import { hiddenCsrf, webClient } from './support/web-client';

jest.setTimeout(120_000);

const SECRET = 'district-one-web-shared-secret';

/** One request the receiver got: its CloudEvent's data, and the secrets of those it was given whose signature it carries. */
type Delivery = { body: { type: string; eventId: string; districtId: string; webhookId: string }; signedWith: string[]; fresh: boolean };

/** A district's receiver on loopback: answers 204, and checks each request's signatures (README "Webhooks") against the secrets it knows. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  /** The secrets the district has given it: the registered one, then each rotated one. */
  readonly secrets = [SECRET];
  port = 0;
  private server?: Server;

  async up(): Promise<void> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const timestamp = String(request.headers['x-turnaround-timestamp']);
        const signatures = String(request.headers['x-turnaround-signature'])
          .split(',')
          .map((value) => value.trim());
        const signedWith = this.secrets.filter((secret) =>
          signatures.includes(`v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`),
        );
        // the CloudEvent's data: the ping or the alert
        this.deliveries.push({ body: JSON.parse(body).data, signedWith, fresh: Math.abs(Date.now() / 1000 - Number(timestamp)) < 300 });
        response.writeHead(signedWith.length > 0 ? 204 : 401).end();
      });
    });
    await new Promise<void>((resolve) => (this.server as Server).listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
    this.server?.closeAllConnections();
  }
}

/**
 * D1's district office manages its webhook in the browser (no script, a form and its token at a
 * time), against a live receiver on loopback, which the operator's allowance opens: registers it,
 * sends a test, rotates the secret, and deletes it after the confirmation page.
 */
describe('the web app: a district webhook against a live receiver', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  let district: ReturnType<typeof webClient>;
  let other: ReturnType<typeof webClient>;
  let districtKey: string;
  const receiver = new Receiver();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-web-webhooks-'));
    await receiver.up();
    app = await createApp(testConfig({ DATA_DIR: dataDir, WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}` }), { logger: false });
    http = await httpClient(app);
    // the registry only: no feed, so the only deliveries are the tests
    await registerOneClusterZone(http, [
      ['S1', 'D1'],
      ['S2', 'D2'],
    ]);
    const keys = app.get(ApiKeys);
    districtKey = (await keys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office')).key;
    district = webClient(http.base);
    await district.signIn(districtKey);
    other = webClient(http.base);
    await other.signIn((await keys.issue({ kind: 'district', districtId: 'D2' }, 'Shelbyville district office')).key);
  });
  afterAll(async () => {
    await app?.close();
    await receiver.down();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers, tests, rotates the secret and deletes after confirming, each delivery signed with the secret of its time', async () => {
    const url = `http://127.0.0.1:${receiver.port}/turnaround`;
    const listed = () =>
      fetch(`${http.base}/api/v1/districts/D1/webhooks`, { headers: { authorization: `Bearer ${districtKey}` } }).then(
        (answer) => answer.json() as Promise<{ webhookId: string; url: string }[]>,
      );

    // register through the page's form
    const empty = await district.get('/webhooks');
    expect(empty.html).toContain('No webhook is registered.');
    const registered = await district.post('/webhooks', { csrf: hiddenCsrf(empty.html), districtId: 'D1', url, secret: SECRET });
    expect(registered).toMatchObject({ status: 303, location: '/webhooks?notice=registered' });
    const [webhook] = await listed();
    expect(webhook).toMatchObject({ url });
    const page = await district.get(registered.location as string);
    expect(page.html).toContain('The webhook is registered');
    expect(page.html).toContain(`<tr data-webhook="${webhook.webhookId}">`);
    expect(page.html).not.toContain(SECRET);

    // a test: the receiver gets it, signed with the registered secret
    const tested = await district.post(`/webhooks/${webhook.webhookId}/test`, { csrf: hiddenCsrf(page.html), districtId: 'D1' });
    expect(tested.status).toBeLessThan(300);
    const [first] = await waitUntil(
      () => receiver.deliveries.filter((delivery) => delivery.body.type === 'WebhookTest'),
      (tests) => expect(tests).toHaveLength(1),
    );
    expect(first).toMatchObject({ body: { districtId: 'D1', webhookId: webhook.webhookId }, signedWith: [SECRET], fresh: true });
    expect(tested.html).toContain('The test was delivered');

    // a rotation: the new secret is shown once, and the next test carries its signature (beside the old one's, while they overlap)
    const rotated = await district.post(`/webhooks/${webhook.webhookId}/rotate-secret`, { csrf: hiddenCsrf(tested.html), districtId: 'D1' });
    expect(rotated.status).toBeLessThan(300);
    const secret = /<code data-secret[^>]*>([^<]+)<\/code>/.exec(rotated.html)?.[1] as string;
    expect(secret).toMatch(/^[\w-]{32,}$/);
    receiver.secrets.push(secret);
    const retested = await district.post(`/webhooks/${webhook.webhookId}/test`, { csrf: hiddenCsrf(rotated.html), districtId: 'D1' });
    const second = await waitUntil(
      () => receiver.deliveries.filter((delivery) => delivery.body.type === 'WebhookTest'),
      (tests) => expect(tests).toHaveLength(2),
    );
    expect(second[1].body.eventId).not.toBe(first.body.eventId);
    expect(second[1].signedWith).toContain(secret);
    expect(second[1].fresh).toBe(true);
    expect(retested.html).toContain('The test was delivered');

    // the list's Delete is a link to a confirmation page, which names the webhook and what deleting it means
    const deleteLink = `/webhooks/${webhook.webhookId}/delete?districtId=D1`;
    expect(retested.html).toContain(`href="${deleteLink}"`);
    const confirm = await district.get(deleteLink);
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain('<h1>Delete this webhook?</h1>');
    expect(confirm.html).toContain(`<code>${url}</code>`);
    expect(confirm.html).toContain('<dd>D1</dd>');
    expect(confirm.html).toContain('Deliveries stop');
    expect(confirm.html).toMatch(/<button class="usa-button usa-button--secondary" type="submit">\s*Delete webhook\s*<\/button>/);
    expect(confirm.html).toMatch(/<a class="usa-button usa-button--outline" href="\/webhooks">\s*Cancel\s*<\/a>/);
    // opening the page deletes nothing; nor does another district, which is told of no such webhook
    expect(await listed()).toHaveLength(1);
    const elsewhere = await other.get(deleteLink);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.html).not.toContain(url);
    expect((await other.get(`/webhooks/${webhook.webhookId}/delete`)).status).toBe(404);
    const othersPage = await other.get('/webhooks');
    expect((await other.post(`/webhooks/${webhook.webhookId}/delete`, { csrf: hiddenCsrf(othersPage.html), districtId: 'D2' })).status).toBe(404);
    expect((await district.get('/webhooks/no-such-webhook/delete')).status).toBe(404);
    expect(await listed()).toHaveLength(1);
    // without the form's token, nothing is deleted
    expect((await district.post(`/webhooks/${webhook.webhookId}/delete`, { districtId: 'D1' })).status).toBe(403);

    const deleted = await district.post(`/webhooks/${webhook.webhookId}/delete`, { csrf: hiddenCsrf(confirm.html), districtId: 'D1' });
    expect(deleted).toMatchObject({ status: 303, location: '/webhooks?notice=deleted' });
    await waitUntil(listed, (webhooks) => expect(webhooks).toEqual([]));
    expect((await district.get(deleted.location as string)).html).toContain('The webhook is deleted');
    expect((await district.get(deleteLink)).status).toBe(404);
    expect(receiver.deliveries.every((delivery) => delivery.signedWith.length > 0)).toBe(true);
  });
});
