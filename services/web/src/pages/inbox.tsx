import { Principal } from '@turnaround/platform';
import { AsOfForm, AsOfNote, formatValue, withAsOf } from '../views/parts';
import { WebReads } from '../web-reads';
import { AlertRow, alertsOf, bySeverityThenNewest } from './read';

/** Each section lists this many alerts; its caption counts them all. */
const LISTED = 50;

/** An acknowledgement as the alerts read model keeps it: who (the key and the name it was issued to), what they noted, when. */
export interface Acknowledgement {
  by: string;
  byName: string | null;
  note: string;
  at: string;
}

/** An alert with what the inbox shows beside the list's fields: its acknowledgements and how it was resolved. */
export interface InboxAlert extends AlertRow {
  partnerId: string;
  districtIds: string[];
  resolvedAt: Date | string | null;
  resolution: string | null;
  acknowledgements: Acknowledgement[];
}

export interface InboxView {
  open: InboxAlert[];
  acknowledged: InboxAlert[];
  resolved: InboxAlert[];
}

/**
 * The inbox: the alerts `GET /api/v1/alerts` lists for the reader (a district's own schools and
 * clusters, everything for the state office), open ones first, then those acknowledged and not
 * yet resolved, then the resolved, newest first. Undefined for a role that may not read alerts.
 */
export async function readInbox(reads: WebReads, principal: Principal, asOf: Date | undefined): Promise<InboxView | undefined> {
  const alerts = (await alertsOf(reads, principal, { asOf })) as InboxAlert[] | undefined;
  if (!alerts) return undefined;
  const resolvedTime = (alert: InboxAlert) => new Date(alert.resolvedAt ?? alert.raisedAt).getTime();
  return {
    open: alerts.filter((alert) => alert.status === 'open').sort(bySeverityThenNewest),
    acknowledged: alerts.filter((alert) => alert.status === 'acknowledged').sort(bySeverityThenNewest),
    resolved: alerts.filter((alert) => alert.status === 'resolved').sort((a, b) => resolvedTime(b) - resolvedTime(a)),
  };
}

export function InboxPage({ view, asOf, asOfText }: { view: InboxView; asOf?: Date; asOfText?: string }) {
  const link = (path: string) => withAsOf(path, asOfText);
  return (
    <>
      <h1>Alert inbox</h1>
      <p>Alerts of the schools and clusters you follow. Open an alert to acknowledge it with a note, or to read its history.</p>
      <AsOfNote asOf={asOf} />
      <AsOfForm asOf={asOfText} />
      <InboxSection id="open" title="Open" alerts={view.open} link={link} empty="No open alert." order="most severe and newest first" />
      <InboxSection
        id="acknowledged"
        title="Acknowledged, not yet resolved"
        alerts={view.acknowledged}
        link={link}
        empty="No acknowledged alert waits to be resolved."
        order="most severe and newest first"
      />
      <InboxSection id="resolved" title="Resolved" alerts={view.resolved} link={link} empty="No resolved alert." order="latest resolved first" />
    </>
  );
}

function InboxSection({
  id,
  title,
  alerts,
  link,
  empty,
  order,
}: {
  id: string;
  title: string;
  alerts: InboxAlert[];
  link: (path: string) => string;
  empty: string;
  order: string;
}) {
  const listed = alerts.slice(0, LISTED);
  return (
    <section aria-labelledby={`${id}-alerts`} data-section={id} data-total={alerts.length}>
      <h2 id={`${id}-alerts`}>{`${title} (${alerts.length})`}</h2>
      {alerts.length === 0 ? (
        <p>{empty}</p>
      ) : (
        <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-label={`${title} alerts`}>
          <table class="usa-table usa-table--borderless alerts">
            <caption>
              {alerts.length > listed.length ? `The first ${listed.length} of ${alerts.length} alerts, ${order}` : `${alerts.length} alerts, ${order}`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Alert</th>
                <th scope="col">Severity</th>
                <th scope="col">Contract year</th>
                <th scope="col">Target</th>
                <th scope="col">Actual</th>
                <th scope="col">Raised</th>
                <th scope="col">{id === 'resolved' ? 'Resolved' : 'Last acknowledgement'}</th>
              </tr>
            </thead>
            <tbody>
              {listed.map((alert) => (
                <tr data-alert={alert.alertId} data-status={alert.status}>
                  <th scope="row">
                    <a href={link(`/alerts/${encodeURIComponent(alert.alertId)}`)}>{alertTitle(alert)}</a>
                  </th>
                  <td>
                    <span class={`usa-tag severity severity--${alert.severity}`}>{alert.severity}</span>
                  </td>
                  <td>
                    {alert.contractYear} ({alert.schoolYear})
                  </td>
                  <td data-value={alert.target}>{formatValue(alert.target)}</td>
                  <td data-value={alert.actual ?? ''}>{formatValue(alert.actual)}</td>
                  <td>{day(alert.raisedAt)}</td>
                  <td>
                    {id === 'resolved' ? (
                      `${alert.resolvedAt ? day(alert.resolvedAt) : ''} ${alert.resolution ?? ''}`.trim()
                    ) : (
                      <LastAcknowledgement alert={alert} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function LastAcknowledgement({ alert }: { alert: InboxAlert }) {
  const last = alert.acknowledgements.at(-1);
  if (!last) return <span class="detail">none</span>;
  return (
    <span data-by-name={last.byName ?? ''}>
      {`${last.byName ?? `key ${last.by}`}, ${last.at.slice(0, 10)}: `}
      <q>{last.note}</q>
    </span>
  );
}

/** An alert in words: its metric and subject. */
export function alertTitle(alert: AlertRow): string {
  return `${alert.metric}, ${alert.schoolId ? `school ${alert.schoolId}` : `cluster ${alert.clusterId}`}`;
}

/** The day of a time, as the pages write dates (UTC, YYYY-MM-DD). */
export function day(time: Date | string): string {
  return new Date(time).toISOString().slice(0, 10);
}
