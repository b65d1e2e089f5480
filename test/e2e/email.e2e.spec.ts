import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { INestApplication } from '@nestjs/common';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createApp } from '@turnaround/all-in-one';
import { manualClock } from '@turnaround/domain';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys, SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

const USER = 'relay-user';
const PASSWORD = 'S3cret p@ss/word';
const PUBLIC_URL = 'https://turnaround.state.example';
const MAIL_FROM = 'Turnaround alerts <alerts@state.example>';

interface Received {
  to: string;
  mail: ParsedMail;
  /** Whether the conversation had gone over TLS (STARTTLS) when the message was sent, and who had authenticated. */
  secure: boolean;
  user: string | undefined;
}

/**
 * The state's relay on loopback: STARTTLS with a certificate made for the test by openssl, AUTH
 * required (and only over TLS, smtp-server's default), every message parsed by mailparser. It
 * can refuse the next messages with a 451.
 */
class Relay {
  readonly received: Received[] = [];
  refusals = 0;
  port = 0;
  private server?: SMTPServer;

  constructor(private readonly dir: string) {}

  async up(): Promise<void> {
    this.server = new SMTPServer({
      key: readFileSync(join(this.dir, 'key.pem')),
      cert: readFileSync(join(this.dir, 'cert.pem')),
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER });
        else callback(new Error('Invalid username or password'));
      },
      onData: (stream, session, callback) => {
        if (this.refusals > 0) {
          this.refusals -= 1;
          stream.resume();
          stream.on('end', () => callback(Object.assign(new Error('try again later'), { responseCode: 451 })));
          return;
        }
        simpleParser(stream)
          .then((mail) => {
            for (const to of session.envelope.rcptTo)
              this.received.push({ to: to.address, mail, secure: session.secure, user: session.user as string | undefined });
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => (this.server as SMTPServer).listen(0, '127.0.0.1', resolve));
    this.port = ((this.server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  to(address: string): Received[] {
    return this.received.filter((each) => each.to === address);
  }
}

/** A header as it was sent (mailparser folds the List-* headers into one structure). */
function header(mail: ParsedMail, name: string): string {
  const line = mail.headerLines.find((each) => each.key === name)?.line ?? '';
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n\s+/g, ' ')
    .trim();
}

/** The first link of the message's text that starts with `prefix`. */
function linkIn(text: string | undefined, prefix: string): string {
  const match = new RegExp(`${prefix.replace(/[.?]/g, '\\$&')}\\S+`).exec(text ?? '');
  if (!match) throw new Error(`no link ${prefix} in ${text}`);
  return match[0];
}

describe('alert emails: confirmed addresses, one message per alert event, STARTTLS and AUTH to the relay, digests at their hour', () => {
  let dir: string;
  let relay: Relay;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'turnaround-email-'));
    // A certificate for this test only, for the relay's loopback address.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    relay = new Relay(dir);
  });
  afterAll(async () => {
    await relay.down();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (extra: Record<string, string> = {}) =>
    testConfig({
      DATA_DIR: join(dir, 'data'),
      SMTP_URL: `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${relay.port}`,
      SMTP_CA_FILE: join(dir, 'cert.pem'),
      MAIL_FROM,
      PUBLIC_URL,
      ALERT_TIME_ZONE: 'America/New_York',
      EMAIL_RETRY_BASE_MS: '50',
      EMAIL_RETRY_MAX_MS: '200',
      ...extra,
    });

  it('sends each raised, resolved and reopened alert once per confirmed address, a digest at its hour, nothing after an unsubscribe or a replay', async () => {
    await relay.up();
    // 10:00 in New York on the Saturday before summer time: the digest's 07:00 next comes on the change's day, at 11:00Z.
    const clock = manualClock('2024-03-09T15:00:00Z');
    let app: INestApplication = await createApp(config(), { logger: false, clock });
    let state = await httpClient(app);
    await registerOneClusterZone(state, [
      ['S1', 'D1'],
      ['S2', 'D1'],
      ['S3', 'D2'],
    ]);
    const district = await httpClient(app, (await app.get(ApiKeys).issue({ kind: 'district', districtId: 'D1' }, 'D1')).key);

    // a district manages its own list, and not another's
    const add = (address: string, extra: object = { delivery: 'immediate' }) => district.post('/api/v1/districts/D1/email-recipients', { address, ...extra });
    expect((await add('lead@d1.example')).status).toBe(201);
    expect((await add('digest@d1.example', { delivery: 'digest', digestHour: 7 })).body).toMatchObject({
      delivery: 'digest',
      digestHour: 7,
      timeZone: 'America/New_York',
      status: 'unconfirmed',
    });
    expect((await add('witness@d1.example')).status).toBe(201);
    expect((await add('never@d1.example')).status).toBe(201);
    expect((await add('LEAD@d1.example')).status).toBe(409);
    expect((await add('not an address')).body).toMatchObject({ issues: [{ field: 'address' }] });
    expect((await add('nohour@d1.example', { delivery: 'digest' })).body).toMatchObject({ issues: [{ field: 'digestHour' }] });
    expect((await district.post('/api/v1/districts/D2/email-recipients', { address: 'x@d2.example', delivery: 'immediate' })).status).toBe(404);
    expect((await district.get('/api/v1/districts/D2/email-recipients')).status).toBe(404);

    // a confirmation goes to each address first; following its link (no sign-in) confirms, twice is once
    await waitUntil(
      async () => relay.received.length,
      (count) => expect(count).toBe(4),
    );
    for (const address of ['lead@d1.example', 'digest@d1.example', 'witness@d1.example']) {
      const [confirmation] = relay.to(address);
      expect(confirmation.mail.subject).toBe(`Confirm that ${address} receives the alerts of district D1`);
      const link = linkIn(confirmation.mail.text, `${PUBLIC_URL}/email/confirm?token=`).replace(PUBLIC_URL, state.base);
      expect((await fetch(link)).status).toBe(200); // a GET asks, and changes nothing
      for (let times = 0; times < 2; times += 1) expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    }
    const forged = `${state.base}/email/confirm?token=${(await district.get('/api/v1/districts/D1/email-recipients')).body[3].recipientId}.AAAA`;
    expect(await (await fetch(forged, { method: 'POST' })).text()).toContain('This link does not work');
    const listed = (await district.get('/api/v1/districts/D1/email-recipients')).body as { address: string; status: string }[];
    expect(listed.map(({ address, status }) => `${address} ${status}`).sort()).toEqual([
      'digest@d1.example confirmed',
      'lead@d1.example confirmed',
      'never@d1.example unconfirmed',
      'witness@d1.example confirmed',
    ]);

    // S1 misses its year, S2 is at risk so far (an early warning), and the cluster misses: three alerts raised; the relay refuses twice first
    relay.refusals = 2;
    await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 920, '2024-03-31'), attendance2023('S3', 900)]);
    await waitUntil(
      async () => relay.to('lead@d1.example').length,
      (count) => expect(count).toBeGreaterThanOrEqual(4),
    );
    // S1 is restated above its target (resolved), then below it again (reopened)
    await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 940)]);
    await waitUntil(
      async () => relay.to('lead@d1.example').map((each) => each.mail.subject ?? ''),
      (subjects) => expect(subjects).toContain('Alert resolved (warning): school S1, attendance rate, contract year 1'),
    );
    await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 905)]);
    await waitUntil(
      async () => relay.to('lead@d1.example').map((each) => each.mail.subject ?? ''),
      (subjects) => expect(subjects).toContain('Alert reopened (warning): school S1, attendance rate, contract year 1'),
    );
    // every alert message of the address sent, once: as many arrived as the outbox sent, none twice, after the refused ones were retried
    const outbox = await waitUntil(
      () =>
        district
          .get('/api/v1/districts/D1/email-messages')
          .then((answer) => answer.body as { address: string; attempts: number; kind: string; status: string; digest: boolean }[]),
      (messages) => expect(messages.filter((message) => !message.digest && message.status !== 'sent')).toEqual([]),
    );
    const alerts = relay.to('lead@d1.example').slice(1);
    expect(alerts).toHaveLength(outbox.filter((message) => message.address === 'lead@d1.example' && message.kind === 'alert').length);
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...outbox.map((message) => message.attempts))).toBeGreaterThan(1);
    expect(new Set(relay.received.map((each) => each.mail.messageId)).size).toBe(relay.received.length);
    const digestWaiting = outbox.filter((message) => message.digest).length;
    expect(digestWaiting).toBe(alerts.length);

    // over STARTTLS, authenticated, from MAIL_FROM; text and HTML; the alert's link; RFC 8058's one-click unsubscribe
    const raised = alerts.find((each) => each.mail.subject === 'Alert raised (warning): school S1, attendance rate, contract year 1') as Received;
    expect(raised).toMatchObject({ secure: true, user: USER });
    expect(raised.mail.from?.value).toEqual([{ name: 'Turnaround alerts', address: 'alerts@state.example' }]);
    expect(raised.mail.text).toContain('Result: 90.0% attendance against a target of 93.0%');
    expect(raised.mail.text).toContain('Year: contract year 1 (2023-24), year end');
    expect(raised.mail.html).toContain('90.0% attendance against a target of 93.0%');
    const alertLink = linkIn(raised.mail.text, `${PUBLIC_URL}/alerts/`);
    expect(raised.mail.html).toContain(`<a href="${alertLink}">`);
    const unsubscribe = header(raised.mail, 'list-unsubscribe');
    expect(header(raised.mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(unsubscribe).toMatch(new RegExp(`^<${PUBLIC_URL}/email/unsubscribe\\?token=[\\w-]+\\.[\\w-]+>$`));
    expect(raised.mail.text).toContain(`Unsubscribe (one click, no sign-in): ${unsubscribe.slice(1, -1)}`);

    // the digest address has had nothing but its confirmation; at 07:00 New York time on the change's day (11:00Z) its digest comes, grouped by school
    expect(relay.to('digest@d1.example')).toHaveLength(1);
    clock.set('2024-03-10T10:59:00Z');
    await waitUntil(
      () => district.get('/api/v1/districts/D1/email-messages?status=pending').then((answer) => answer.body as unknown[]),
      (pending) => expect(pending.length).toBe(digestWaiting),
    );
    expect(relay.to('digest@d1.example')).toHaveLength(1);
    clock.set('2024-03-10T11:00:00Z');
    await waitUntil(
      async () => relay.to('digest@d1.example').length,
      (count) => expect(count).toBe(2),
    );
    const digest = relay.to('digest@d1.example')[1].mail;
    expect(digest.subject).toBe(`Alert digest for district D1, 2024-03-10: ${digestWaiting} alert changes`);
    expect(digest.text).toMatch(/Cluster C\n- Raised/);
    expect(digest.text).toMatch(
      /School S1\n- Raised \(warning\): attendance rate, contract year 1 \(2023-24\), year end: 90.0% attendance against a target of 93.0%.\n {2}https:\S+\n- Resolved/,
    );
    expect(header(digest, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

    // one click, as a mail client posts it: no cookie, no key; twice is once
    for (let times = 0; times < 2; times += 1) {
      const answer = await fetch(unsubscribe.slice(1, -1).replace(PUBLIC_URL, state.base), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(answer.status).toBe(200);
    }
    expect(
      ((await district.get('/api/v1/districts/D1/email-recipients')).body as { address: string }[]).find((each) => each.address === 'lead@d1.example'),
    ).toMatchObject({ status: 'unsubscribed' });

    // a replay of the log from zero (the outbox's checkpoint reset, the service restarted) sends nothing again
    await app.close();
    await app
      .get<SqlClient>(SQL_CLIENT)
      .query(`UPDATE projection_checkpoints SET checkpoint = '' WHERE projection = 'email-outbox'`)
      .catch(() => undefined);
    app = await createApp(config(), { logger: false, clock });
    await app.get<SqlClient>(SQL_CLIENT).query(`UPDATE projection_checkpoints SET checkpoint = '' WHERE projection = 'email-outbox'`);
    await app.close();
    app = await createApp(config(), { logger: false, clock });
    state = await httpClient(app);
    const before = relay.received.length;
    // then S1 is restated once more: the witness hears of it, the unsubscribed address and the unconfirmed one do not
    await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 945)]);
    await waitUntil(
      async () => relay.to('witness@d1.example').length,
      (count) => expect(count).toBe(alerts.length + 2),
    );
    expect(relay.received.length).toBe(before + 1);
    expect(relay.to('lead@d1.example')).toHaveLength(alerts.length + 1);
    expect(relay.to('never@d1.example').map((each) => each.mail.subject)).toEqual(['Confirm that never@d1.example receives the alerts of district D1']);
    await app.close();
  });

  it('dead-letters what the relay never takes, visible to the state office, and never shows the relay password', async () => {
    const lines: string[] = [];
    const logs = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const app = await createApp(
      config({
        DATA_DIR: join(dir, 'data-dead'),
        SMTP_URL: `smtp://${USER}:${encodeURIComponent(`${PASSWORD}-wrong`)}@127.0.0.1:${relay.port}`,
        EMAIL_MAX_ATTEMPTS: '2',
        LOG_FORMAT: 'json',
      }),
      { logDestination: logs },
    );
    try {
      const state = await httpClient(app);
      expect((await state.post('/api/v1/districts/D9/email-recipients', { address: 'x@d9.example', delivery: 'immediate' })).status).toBe(201);
      const dead = await waitUntil(
        () => state.get('/api/v1/districts/D9/email-messages?status=dead').then((answer) => answer.body as { attempts: number; lastError: string }[]),
        (list) => expect(list).toHaveLength(1),
      );
      expect(dead[0]).toMatchObject({ attempts: 2, lastError: expect.stringContaining('535') });
      const metrics = await fetch(`${state.base}/metrics`).then((answer) => answer.text());
      expect(metrics).toMatch(/turnaround_email_messages_total\{outcome="dead"\} 1/);
      expect(metrics).toMatch(/turnaround_email_messages_total\{outcome="failed"\} 1/);
      for (const text of [JSON.stringify(dead), lines.join(''), metrics]) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(encodeURIComponent(PASSWORD));
      }
    } finally {
      await app.close();
    }
  });

  it('sends nothing without SMTP_URL, and the settings say so', async () => {
    const app = await createApp(testConfig({ DATA_DIR: join(dir, 'data-none') }), { logger: false });
    try {
      const state = await httpClient(app);
      expect((await state.post('/api/v1/districts/D9/email-recipients', { address: 'x@d9.example', delivery: 'immediate' })).status).toBe(201);
      expect((await state.get('/api/v1/districts/D9/email-messages')).body).toMatchObject([{ kind: 'confirmation', status: 'pending', attempts: 0 }]);
    } finally {
      await app.close();
    }
  });
});
