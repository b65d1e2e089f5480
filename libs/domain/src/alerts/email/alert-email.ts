import { ALERT_STAGES, SEVERITIES, WITHDRAWAL_REASONS } from '../../events/alert-events';
import { MetricCatalogues, metricDefinition, metricFamilyOf } from '../../metrics/metric-catalogue';

/** What an alert email tells of: the events a person acts on (an acknowledgement is the district's own doing, and is not mailed). */
export const MAILED_ALERT_EVENTS = ['OffTrackAlertRaised', 'OffTrackAlertReopened', 'OffTrackAlertResolved'] as const;
export type MailedAlertEvent = (typeof MAILED_ALERT_EVENTS)[number];

/** One alert event as a message tells it: the alert as it stood after the event. */
export interface AlertEmailFacts {
  type: MailedAlertEvent;
  alertId: string;
  schoolId?: string;
  clusterId?: string;
  metric: string;
  contractYear: number;
  schoolYear: string;
  checkpoint: (typeof ALERT_STAGES)[number];
  severity: (typeof SEVERITIES)[number];
  /** null when no target is in force (a withdrawn one, or an event older than its target's record). */
  target: number | null;
  /** The value that raised, reopened or resolved it; null when nothing did (a withdrawal). */
  actual: number | null;
  /** A resolution's reason: `target_withdrawn` and `contract_terminated` are withdrawals. */
  reason?: string;
}

/** The links a message carries, made by whoever knows the public address and the signing key. */
export interface EmailLinks {
  /** The alert's page in the web app. */
  alert(alertId: string): string;
  /** One-click unsubscribe of this recipient (RFC 8058), also the footer's link. */
  unsubscribe: string;
}

export interface EmailRecipientFacts {
  address: string;
  districtId: string;
}

/** A rendered message: its subject, plain text and HTML, and where RFC 8058's headers point. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  unsubscribeUrl: string;
}

/** What happened, in a word: raised, reopened, resolved, or withdrawn. */
export function whatHappened(facts: Pick<AlertEmailFacts, 'type' | 'reason'>): 'raised' | 'reopened' | 'resolved' | 'withdrawn' {
  if (facts.type === 'OffTrackAlertRaised') return 'raised';
  if (facts.type === 'OffTrackAlertReopened') return 'reopened';
  return (WITHDRAWAL_REASONS as readonly string[]).includes(facts.reason ?? '') ? 'withdrawn' : 'resolved';
}

/** Why, in a sentence: what the line did, or why the alert was withdrawn. */
export function whyInWords(facts: AlertEmailFacts): string {
  const stage =
    facts.checkpoint === 'year_end' ? 'the final result of the year missed its target' : 'the evidence so far puts the year at risk of missing its target';
  switch (whatHappened(facts)) {
    case 'raised':
      return `An alert was raised: ${stage}.`;
    case 'reopened':
      return `The alert was reopened: after it was resolved, ${stage} again.`;
    case 'withdrawn':
      return facts.reason === 'contract_terminated'
        ? 'The alert was withdrawn: the contract ended.'
        : 'The alert was withdrawn: an amendment removed its target.';
    case 'resolved':
      return facts.actual === null
        ? `The alert was resolved (${facts.reason ?? 'no reason given'}): the evidence that raised it was retracted.`
        : `The alert was resolved (${facts.reason ?? 'no reason given'}): the line is no longer off track.`;
  }
}

/** What the alert is about: `school S1` or `cluster C1`. */
export function subjectOf(facts: Pick<AlertEmailFacts, 'schoolId' | 'clusterId'>): string {
  return facts.schoolId !== undefined ? `school ${facts.schoolId}` : `cluster ${facts.clusterId ?? 'unknown'}`;
}

/** The metric's name for a reader: `math proficiency`, `attendance rate`, `indicator instructional_minutes`. */
export function metricInWords(metric: string): string {
  const named = metricFamilyOf(metric);
  if (!named) return metric;
  const family = named.family.family.replace(/_/g, ' ');
  if (named.argument === undefined) return family;
  return named.family.family === 'indicator' ? `${named.argument.replace(/_/g, ' ')} (indicator)` : `${named.argument.replace(/_/g, ' ')} ${family}`;
}

/** How a value of each rate family reads: `62.0% proficient`. */
const RATE_PHRASES: Record<string, (percent: string) => string> = {
  proficiency: (p) => `${p} proficient`,
  interim_proficiency: (p) => `${p} proficient on the interim assessment`,
  attendance_rate: (p) => `${p} attendance`,
  chronic_absence_rate: (p) => `${p} chronically absent`,
  teacher_retention_rate: (p) => `${p} of teachers retained`,
  vacancy_rate: (p) => `${p} of positions vacant`,
  new_teacher_share: (p) => `${p} new teachers`,
  teacher_attendance_rate: (p) => `${p} teacher attendance`,
};

/**
 * The target and the actual value in words: `62.0% proficient against a target of 68.0%`. A
 * rate reads as a percentage to one decimal; a target where lower is better reads `at most`.
 * No value (a withdrawal) and no target are said as such, never as 0. An indicator's kind, unit
 * and direction are its entry's in `catalogues`.
 */
export function resultInWords(metric: string, actual: number | null, target: number | null, catalogues: MetricCatalogues): string {
  const definition = metricDefinition(metric, catalogues);
  const isRate = definition?.isRate ?? false;
  const amount = (value: number) => (isRate ? `${(value * 100).toFixed(1)}%` : `${value.toFixed(1)}${definition?.unit ? ` ${definition.unit}` : ''}`);
  const phrase = (value: number) => {
    if (isRate) return (RATE_PHRASES[definition?.family ?? ''] ?? ((p: string) => `${p} on ${metricInWords(metric)}`))(amount(value));
    if (definition?.family === 'scale_score') return `a mean scale score of ${amount(value)}`;
    return `${amount(value)} on ${metricInWords(metric)}`;
  };
  const bound = definition?.direction === 'lower_is_better' ? 'at most ' : '';
  const against = target === null ? 'no target in force' : `a target of ${bound}${amount(target)}`;
  if (actual === null) return target === null ? 'no result, and no target in force' : `no result, against ${against}`;
  return target === null ? `${phrase(actual)}, with no target in force` : `${phrase(actual)} against ${against}`;
}

/** The contract year as a reader says it: `contract year 2 (2024-25), year end`. */
export function yearInWords(facts: Pick<AlertEmailFacts, 'contractYear' | 'schoolYear' | 'checkpoint'>): string {
  return `contract year ${facts.contractYear} (${facts.schoolYear}), ${facts.checkpoint === 'year_end' ? 'year end' : 'early warning'}`;
}

/**
 * One message per alert event: short, plain text and HTML saying the same, with the alert's link and an
 * unsubscribe. `catalogues`: what says how an indicator's result reads (resultInWords).
 */
export function alertEmail(facts: AlertEmailFacts, recipient: EmailRecipientFacts, links: EmailLinks, catalogues: MetricCatalogues): RenderedEmail {
  const happened = whatHappened(facts);
  const subject = `Alert ${happened} (${facts.severity}): ${subjectOf(facts)}, ${metricInWords(facts.metric)}, contract year ${facts.contractYear}`;
  const rows: [string, string][] = [
    ['Subject', capitalised(subjectOf(facts))],
    ['Metric', metricInWords(facts.metric)],
    ['Year', yearInWords(facts)],
    ['Result', resultInWords(facts.metric, facts.actual, facts.target, catalogues)],
    ['Severity', facts.severity],
    ['What happened', happened],
  ];
  const alertUrl = links.alert(facts.alertId);
  const why = whyInWords(facts);
  const text = [
    subject,
    '',
    why,
    '',
    ...rows.map(([name, value]) => `${name}: ${value}`),
    '',
    `See the alert: ${alertUrl}`,
    '',
    ...footerLines(recipient, links.unsubscribe),
  ].join('\n');
  const html = page(
    subject,
    [
      `<h1 style="font-size:1.25em">${escape(subject)}</h1>`,
      `<p>${escape(why)}</p>`,
      `<table role="presentation" style="border-collapse:collapse">${rows.map(([name, value]) => `<tr><th scope="row" style="text-align:left;padding:2px 12px 2px 0">${escape(name)}</th><td>${escape(value)}</td></tr>`).join('')}</table>`,
      `<p><a href="${escape(alertUrl)}">See the alert in the web app</a></p>`,
      footerHtml(recipient, links.unsubscribe),
    ].join('\n'),
  );
  return { subject, text, html, unsubscribeUrl: links.unsubscribe };
}

/**
 * A day's alert events for one address in one message, grouped by school (or cluster), each
 * school's events in the order they happened.
 */
export function digestEmail(
  events: readonly AlertEmailFacts[],
  day: string,
  recipient: EmailRecipientFacts,
  links: EmailLinks,
  catalogues: MetricCatalogues,
): RenderedEmail {
  const groups = new Map<string, AlertEmailFacts[]>();
  for (const facts of events) groups.set(subjectOf(facts), [...(groups.get(subjectOf(facts)) ?? []), facts]);
  const subjects = [...groups.keys()].sort();
  const count = events.length === 1 ? '1 alert change' : `${events.length} alert changes`;
  const subject = `Alert digest for district ${recipient.districtId}, ${day}: ${count}`;
  const line = (facts: AlertEmailFacts) =>
    `${capitalised(whatHappened(facts))} (${facts.severity}): ${metricInWords(facts.metric)}, ${yearInWords(facts)}: ${resultInWords(facts.metric, facts.actual, facts.target, catalogues)}.`;
  const text = [
    subject,
    '',
    ...subjects.flatMap((name) => [
      capitalised(name),
      ...(groups.get(name) ?? []).flatMap((facts) => [`- ${line(facts)}`, `  ${links.alert(facts.alertId)}`]),
      '',
    ]),
    ...footerLines(recipient, links.unsubscribe),
  ].join('\n');
  const html = page(
    subject,
    [
      `<h1 style="font-size:1.25em">${escape(subject)}</h1>`,
      ...subjects.map(
        (name) =>
          `<h2 style="font-size:1.1em">${escape(capitalised(name))}</h2>\n<ul>${(groups.get(name) ?? [])
            .map(
              (facts) =>
                `<li>${escape(line(facts))} <a href="${escape(links.alert(facts.alertId))}">${escape(`See the alert: ${metricInWords(facts.metric)}, ${name}`)}</a></li>`,
            )
            .join('')}</ul>`,
      ),
      footerHtml(recipient, links.unsubscribe),
    ].join('\n'),
  );
  return { subject, text, html, unsubscribeUrl: links.unsubscribe };
}

/** The message that asks an address to confirm, before anything else is sent to it. */
export function confirmationEmail(recipient: EmailRecipientFacts & { delivery: string }, confirmUrl: string, unsubscribeUrl: string): RenderedEmail {
  const subject = `Confirm that ${recipient.address} receives the alerts of district ${recipient.districtId}`;
  const intro = `District ${recipient.districtId} added this address to receive its school turnaround alerts (${recipient.delivery}). Nothing is sent to it until it is confirmed.`;
  const text = [
    subject,
    '',
    intro,
    '',
    `Confirm: ${confirmUrl}`,
    '',
    'If you did not expect this, ignore it: without a confirmation no alert is sent.',
    `Never send anything to this address again: ${unsubscribeUrl}`,
  ].join('\n');
  const html = page(
    subject,
    [
      `<h1 style="font-size:1.25em">${escape(subject)}</h1>`,
      `<p>${escape(intro)}</p>`,
      `<p><a href="${escape(confirmUrl)}">Confirm this address</a></p>`,
      `<p>If you did not expect this, ignore it: without a confirmation no alert is sent. <a href="${escape(unsubscribeUrl)}">Never send anything to this address again</a>.</p>`,
    ].join('\n'),
  );
  return { subject, text, html, unsubscribeUrl };
}

function footerLines(recipient: EmailRecipientFacts, unsubscribeUrl: string): string[] {
  return [
    `You receive this because ${recipient.address} is on the alert list of district ${recipient.districtId}.`,
    `Unsubscribe (one click, no sign-in): ${unsubscribeUrl}`,
  ];
}

function footerHtml(recipient: EmailRecipientFacts, unsubscribeUrl: string): string {
  return `<p style="font-size:0.9em">You receive this because ${escape(recipient.address)} is on the alert list of district ${escape(recipient.districtId)}. <a href="${escape(unsubscribeUrl)}">Unsubscribe</a> (one click, no sign-in).</p>`;
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${escape(title)}</title></head>\n<body style="font-family:sans-serif;line-height:1.5;color:#1b1b1b">\n${body}\n</body>\n</html>\n`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
