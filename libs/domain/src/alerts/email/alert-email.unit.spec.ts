import { AlertEmailFacts, alertEmail, confirmationEmail, digestEmail, EmailLinks, resultInWords, whatHappened, whyInWords } from './alert-email';
import { nextDigestAt } from './digest-time';
import { signEmailLink, verifyEmailLink } from './email-links';
import { testCatalogues } from '../../testing/catalogues';

const raised: AlertEmailFacts = {
  type: 'OffTrackAlertRaised',
  alertId: 'a1',
  schoolId: 'S1',
  metric: 'proficiency.math',
  contractYear: 2,
  schoolYear: '2024-25',
  checkpoint: 'year_end',
  severity: 'serious',
  target: 0.68,
  actual: 0.62,
};
const links: EmailLinks = { alert: (alertId) => `https://tm.example/alerts/${alertId}`, unsubscribe: 'https://tm.example/email/unsubscribe?token=t' };
const recipient = { address: 'lead@d1.example', districtId: 'D1' };
const catalogues = testCatalogues();

describe('alert email wording', () => {
  it.each([
    ['proficiency.math', 0.62, 0.68, '62.0% proficient against a target of 68.0%'],
    ['attendance_rate', 0.9, 0.92, '90.0% attendance against a target of 92.0%'],
    // lower is better: the target is a ceiling
    ['chronic_absence_rate', 0.215, 0.2, '21.5% chronically absent against a target of at most 20.0%'],
    ['vacancy_rate', 0.0999, 0.05, '10.0% of positions vacant against a target of at most 5.0%'],
    ['scale_score.ela', 241.26, 245, 'a mean scale score of 241.3 against a target of 245.0'],
    // a withdrawal: no resolving value, never read as 0
    ['proficiency.math', null, 0.68, 'no result, against a target of 68.0%'],
    // an alert with no target in force
    ['proficiency.math', 0.62, null, '62.0% proficient, with no target in force'],
    ['proficiency.math', null, null, 'no result, and no target in force'],
    // 0 is a value, not a missing one
    ['attendance_rate', 0, 0.9, '0.0% attendance against a target of 90.0%'],
  ])('%s: %p against %p reads "%s"', (metric, actual, target, words) => {
    expect(resultInWords(metric, actual, target, catalogues)).toBe(words);
  });

  it('says what happened: raised, reopened, resolved, withdrawn', () => {
    expect(whatHappened(raised)).toBe('raised');
    expect(whatHappened({ type: 'OffTrackAlertReopened' })).toBe('reopened');
    expect(whatHappened({ type: 'OffTrackAlertResolved', reason: 'restated' })).toBe('resolved');
    expect(whatHappened({ type: 'OffTrackAlertResolved', reason: 'target_withdrawn' })).toBe('withdrawn');
    expect(whatHappened({ type: 'OffTrackAlertResolved', reason: 'contract_terminated' })).toBe('withdrawn');
    expect(whyInWords({ ...raised, type: 'OffTrackAlertResolved', reason: 'contract_terminated', actual: null })).toBe(
      'The alert was withdrawn: the contract ended.',
    );
    expect(whyInWords({ ...raised, checkpoint: 'early_warning' })).toBe(
      'An alert was raised: the evidence so far puts the year at risk of missing its target.',
    );
  });

  it('writes one short message, the same in text and HTML, with the link and the unsubscribe', () => {
    const mail = alertEmail(raised, recipient, links, catalogues);
    expect(mail.subject).toBe('Alert raised (serious): school S1, math proficiency, contract year 2');
    expect(mail.text).toBe(
      [
        'Alert raised (serious): school S1, math proficiency, contract year 2',
        '',
        'An alert was raised: the final result of the year missed its target.',
        '',
        'Subject: School S1',
        'Metric: math proficiency',
        'Year: contract year 2 (2024-25), year end',
        'Result: 62.0% proficient against a target of 68.0%',
        'Severity: serious',
        'What happened: raised',
        '',
        'See the alert: https://tm.example/alerts/a1',
        '',
        'You receive this because lead@d1.example is on the alert list of district D1.',
        'Unsubscribe (one click, no sign-in): https://tm.example/email/unsubscribe?token=t',
      ].join('\n'),
    );
    expect(mail.html).toContain('<html lang="en">');
    expect(mail.html).toContain('<a href="https://tm.example/alerts/a1">See the alert in the web app</a>');
    expect(mail.html).toContain('62.0% proficient against a target of 68.0%');
    expect(mail.html).toContain('<a href="https://tm.example/email/unsubscribe?token=t">Unsubscribe</a>');
  });

  it('escapes what it puts in HTML', () => {
    const mail = alertEmail({ ...raised, schoolId: 'S<1>' }, { ...recipient, address: 'a"b@x.example' }, links, catalogues);
    expect(mail.html).toContain('school S&lt;1&gt;');
    expect(mail.html).toContain('a&quot;b@x.example');
    expect(mail.html).not.toContain('S<1>');
  });

  it('groups a digest by school, clusters apart, in the order things happened', () => {
    const cluster: AlertEmailFacts = {
      ...raised,
      alertId: 'a3',
      schoolId: undefined,
      clusterId: 'C1',
      metric: 'attendance_rate',
      target: 0.92,
      actual: 0.9,
      severity: 'warning',
    };
    const resolvedS1: AlertEmailFacts = { ...raised, alertId: 'a1', type: 'OffTrackAlertResolved', reason: 'restated', actual: 0.7 };
    const mail = digestEmail([raised, cluster, resolvedS1], '2025-03-10', recipient, links, catalogues);
    expect(mail.subject).toBe('Alert digest for district D1, 2025-03-10: 3 alert changes');
    expect(mail.text).toBe(
      [
        'Alert digest for district D1, 2025-03-10: 3 alert changes',
        '',
        'Cluster C1',
        '- Raised (warning): attendance rate, contract year 2 (2024-25), year end: 90.0% attendance against a target of 92.0%.',
        '  https://tm.example/alerts/a3',
        '',
        'School S1',
        '- Raised (serious): math proficiency, contract year 2 (2024-25), year end: 62.0% proficient against a target of 68.0%.',
        '  https://tm.example/alerts/a1',
        '- Resolved (serious): math proficiency, contract year 2 (2024-25), year end: 70.0% proficient against a target of 68.0%.',
        '  https://tm.example/alerts/a1',
        '',
        'You receive this because lead@d1.example is on the alert list of district D1.',
        'Unsubscribe (one click, no sign-in): https://tm.example/email/unsubscribe?token=t',
      ].join('\n'),
    );
    expect(mail.html).toContain('<h2 style="font-size:1.1em">School S1</h2>');
  });

  it('asks for a confirmation, saying nothing is sent before it', () => {
    const mail = confirmationEmail(
      { ...recipient, delivery: 'every alert as it happens' },
      'https://tm.example/email/confirm?token=c',
      'https://tm.example/email/unsubscribe?token=u',
    );
    expect(mail.text).toContain('Confirm: https://tm.example/email/confirm?token=c');
    expect(mail.text).toContain('Nothing is sent to it until it is confirmed.');
  });
});

describe('the digest hour in the district time zone', () => {
  const newYork = (after: string, hour: number) => nextDigestAt(new Date(after), hour, 'America/New_York').toISOString();

  it('goes at the hour on the local clock: 07:00 EST is 12:00Z, 07:00 EDT is 11:00Z', () => {
    expect(newYork('2024-01-15T03:00:00Z', 7)).toBe('2024-01-15T12:00:00.000Z'); // 22:00 the day before, local
    expect(newYork('2024-07-15T10:59:59Z', 7)).toBe('2024-07-15T11:00:00.000Z');
    // strictly after: at 07:00 itself, the next one is tomorrow's
    expect(newYork('2024-01-15T12:00:00Z', 7)).toBe('2024-01-16T12:00:00.000Z');
  });

  it('on the spring-forward day (2024-03-10) 07:00 is EDT, and a skipped 02:00 goes at 03:00 EDT', () => {
    expect(newYork('2024-03-09T12:00:00Z', 7)).toBe('2024-03-10T11:00:00.000Z'); // the day after 07:00 EST, 23 hours later
    expect(newYork('2024-03-10T05:00:00Z', 2)).toBe('2024-03-10T07:00:00.000Z'); // 00:00 EST; 02:00 does not exist: 03:00 EDT
    expect(newYork('2024-03-10T07:00:00Z', 2)).toBe('2024-03-11T06:00:00.000Z'); // after it, tomorrow's 02:00 EDT
  });

  it('on the fall-back day (2024-11-03) a repeated 01:00 goes once, at the first', () => {
    expect(newYork('2024-11-03T04:00:00Z', 1)).toBe('2024-11-03T05:00:00.000Z'); // 00:00 EDT -> 01:00 EDT
    expect(newYork('2024-11-03T05:00:00Z', 1)).toBe('2024-11-04T06:00:00.000Z'); // not again at 01:00 EST (06:00Z)
    expect(newYork('2024-11-02T12:00:00Z', 7)).toBe('2024-11-03T12:00:00.000Z'); // 07:00 EST, 25 hours later
  });

  it('takes midnight and other zones', () => {
    expect(nextDigestAt(new Date('2024-12-31T23:30:00Z'), 0, 'UTC').toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(nextDigestAt(new Date('2024-06-01T00:00:00Z'), 6, 'America/Phoenix').toISOString()).toBe('2024-06-01T13:00:00.000Z'); // no summer time
    expect(nextDigestAt(new Date('2024-06-01T00:00:00Z'), 6, 'Asia/Kolkata').toISOString()).toBe('2024-06-01T00:30:00.000Z'); // +05:30
  });
});

describe('signed confirm and unsubscribe links', () => {
  const key = Buffer.from('a test key of 32 bytes exactly!!');

  it('signs HMAC-SHA256 over the version, purpose and recipient (computed with openssl dgst -hmac)', () => {
    expect(signEmailLink(key, 'unsubscribe', 'r-1')).toBe('r-1.1K-Oiw0B2zw241yuVicmMlAamZdhr4P2O4bcuQ0dryE');
    expect(signEmailLink(key, 'confirm', 'r-1')).toBe('r-1.O4NukTzEPDr1ujkd84Ewcl46nOesEx1QHSH2ZjmJYEM');
  });

  it('verifies its own tokens, for their purpose only', () => {
    expect(verifyEmailLink(key, 'unsubscribe', signEmailLink(key, 'unsubscribe', 'r-1'))).toBe('r-1');
    expect(verifyEmailLink(key, 'confirm', signEmailLink(key, 'unsubscribe', 'r-1'))).toBeUndefined();
    expect(verifyEmailLink(Buffer.alloc(32, 1), 'unsubscribe', signEmailLink(key, 'unsubscribe', 'r-1'))).toBeUndefined();
  });

  it.each([
    ['another recipient under the same mac', 'r-2.1K-Oiw0B2zw241yuVicmMlAamZdhr4P2O4bcuQ0dryE'],
    ['a mac cut short', 'r-1.1K-Oiw0B2zw241yuVicmMlAamZdhr4P2O4bcuQ0dry'],
    ['a mac with padding', 'r-1.1K-Oiw0B2zw241yuVicmMlAamZdhr4P2O4bcuQ0dryE='],
    ['no dot', 'r-1'],
    ['nothing', ''],
    ['not text', 42],
  ])('refuses %s', (_case, token) => {
    expect(verifyEmailLink(key, 'unsubscribe', token)).toBeUndefined();
  });
});
