import { NotFoundError } from '@turnaround/domain';
import { Principal } from '@turnaround/platform';
import { AsOfForm, AsOfNote, formatValue, withAsOf } from '../views/parts';
import { WebReads } from '../web-reads';
import { alertTitle, day, InboxAlert } from './inbox';
import { ROUTES } from './read';

/** The alert after one of its events, and when the service learned of it. */
type HistoryRow = InboxAlert & { knownAt: Date | string };

export interface AlertView {
  alert: InboxAlert;
  /** Every event of the alert up to the page's date, oldest first. */
  history: HistoryRow[];
  /** Whether the reader may acknowledge it (`POST /api/v1/alerts/:alertId/acknowledge`) and it is not resolved. */
  mayAcknowledge: boolean;
}

/** What the acknowledgement form says back: the note as typed, and why it was not taken. */
export interface AcknowledgementForm {
  note: string;
  problem: string;
}

/**
 * One alert, as `GET /api/v1/alerts/:alertId` answers the reader (a 404 for an alert of another
 * district, as in the API), with its history from the alerts read model.
 */
export async function readAlert(reads: WebReads, principal: Principal, alertId: string, asOf: Date | undefined): Promise<AlertView> {
  await reads.access.mustRead(principal, ROUTES.alert, 'alert', alertId);
  const alert = (await reads.alerts.alert(alertId, asOf)) as unknown as InboxAlert | undefined;
  if (!alert) throw new NotFoundError('alert', alertId);
  const known = (row: HistoryRow) => !asOf || new Date(row.knownAt).getTime() <= asOf.getTime();
  const history = ((await reads.alerts.history(alertId)) as unknown as HistoryRow[]).filter(known);
  const mayAcknowledge = !asOf && alert.status !== 'resolved' && (await reads.access.mayRead(principal, ROUTES.acknowledge, 'alert', alertId));
  return { alert, history, mayAcknowledge };
}

export function AlertPage({
  view,
  csrf,
  asOf,
  asOfText,
  notice,
  form,
}: {
  view: AlertView;
  csrf: string;
  asOf?: Date;
  asOfText?: string;
  notice?: string;
  form?: AcknowledgementForm;
}) {
  const { alert } = view;
  return (
    <>
      <nav class="usa-breadcrumb" aria-label="Breadcrumbs">
        <ol class="usa-breadcrumb__list">
          <li class="usa-breadcrumb__list-item">
            <a class="usa-breadcrumb__link" href={withAsOf('/inbox', asOfText)}>
              Alert inbox
            </a>
          </li>
          <li class="usa-breadcrumb__list-item usa-current" aria-current="page">
            {alertTitle(alert)}
          </li>
        </ol>
      </nav>
      <h1>{`Alert: ${alertTitle(alert)}`}</h1>
      {notice && (
        <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
          <div class="usa-alert__body">
            <p class="usa-alert__text">{notice}</p>
          </div>
        </div>
      )}
      <AsOfNote asOf={asOf} />
      <AsOfForm asOf={asOfText} />
      <dl class="alert-facts" data-alert={alert.alertId} data-status={alert.status}>
        <dt>Status</dt>
        <dd>{alert.status}</dd>
        <dt>Severity</dt>
        <dd>
          <span class={`usa-tag severity severity--${alert.severity}`}>{alert.severity}</span>
        </dd>
        <dt>Subject</dt>
        <dd>
          {alert.schoolId ? (
            <a href={withAsOf(`/schools/${encodeURIComponent(alert.schoolId)}`, asOfText)}>school {alert.schoolId}</a>
          ) : (
            `cluster ${alert.clusterId}`
          )}
        </dd>
        <dt>Contract</dt>
        <dd>{`${alert.contractId} (partner ${alert.partnerId}), contract year ${alert.contractYear} (${alert.schoolYear}), checkpoint ${alert.checkpoint}`}</dd>
        <dt>Target and actual</dt>
        <dd>{`target ${formatValue(alert.target)}, actual ${formatValue(alert.actual)}`}</dd>
        <dt>Raised</dt>
        <dd>{day(alert.raisedAt)}</dd>
        {alert.resolvedAt && (
          <>
            <dt>Resolved</dt>
            <dd>{`${day(alert.resolvedAt)}: ${alert.resolution ?? ''}`}</dd>
          </>
        )}
      </dl>
      <section aria-labelledby="acknowledgements">
        <h2 id="acknowledgements">Acknowledgements</h2>
        {alert.acknowledgements.length === 0 ? (
          <p>Nobody has acknowledged this alert yet.</p>
        ) : (
          <ul class="usa-list acknowledgements">
            {alert.acknowledgements.map((acknowledgement) => (
              <li data-by={acknowledgement.by} data-by-name={acknowledgement.byName ?? ''}>
                <strong>{acknowledgement.byName ?? `key ${acknowledgement.by}`}</strong>
                {`, ${acknowledgement.at.replace('T', ' ').slice(0, 16)} UTC: `}
                <q>{acknowledgement.note}</q>
              </li>
            ))}
          </ul>
        )}
        {form && (
          <div class="usa-alert usa-alert--error" role="alert">
            <div class="usa-alert__body">
              <h3 class="usa-alert__heading">The acknowledgement was not recorded</h3>
              <p class="usa-alert__text">{view.mayAcknowledge ? <a href="#note">{form.problem}</a> : form.problem}</p>
            </div>
          </div>
        )}
        {view.mayAcknowledge && <AcknowledgeForm alertId={alert.alertId} csrf={csrf} form={form} />}
      </section>
      <section aria-labelledby="history">
        <h2 id="history">History</h2>
        <HistoryTable history={view.history} />
      </section>
    </>
  );
}

/** The acknowledgement form; with a problem, the field's own message beside the summary above that links to it (USWDS's validation pattern). */
function AcknowledgeForm({ alertId, csrf, form }: { alertId: string; csrf: string; form?: AcknowledgementForm }) {
  return (
    <form method="post" action={`/alerts/${encodeURIComponent(alertId)}/acknowledge`} class="usa-form usa-form--large" novalidate>
      <input type="hidden" name="csrf" value={csrf} />
      <div class={`usa-form-group${form ? ' usa-form-group--error' : ''}`}>
        <label class="usa-label" for="note">
          Acknowledge with a note
        </label>
        <span class="usa-hint" id="note-hint">
          What the district does about this alert (up to 2,000 characters). Your name is recorded with it.
        </span>
        {form && (
          <span class="usa-error-message" id="note-error">
            {form.problem}
          </span>
        )}
        <textarea
          class={`usa-textarea${form ? ' usa-input--error' : ''}`}
          id="note"
          name="note"
          required
          maxLength={2000}
          aria-describedby={form ? 'note-hint note-error' : 'note-hint'}
          aria-invalid={form ? 'true' : undefined}
          value={form?.note ?? ''}
        />
      </div>
      <button class="usa-button" type="submit">
        Acknowledge
      </button>
    </form>
  );
}

/** What each event did, read from the alert before and after it. */
function whatHappened(row: HistoryRow, before: HistoryRow | undefined): string {
  if (!before) return `raised (${row.severity})`;
  if (row.status === 'resolved' && before.status !== 'resolved') return `resolved: ${row.resolution ?? ''}`;
  if (before.status === 'resolved' && row.status !== 'resolved') return `reopened (${row.severity})`;
  const acknowledgement = row.acknowledgements.length > before.acknowledgements.length ? row.acknowledgements.at(-1) : undefined;
  if (acknowledgement) return `acknowledged by ${acknowledgement.byName ?? `key ${acknowledgement.by}`}: “${acknowledgement.note}”`;
  return 'changed';
}

function HistoryTable({ history }: { history: HistoryRow[] }) {
  return (
    <table class="usa-table usa-table--borderless alert-history">
      <caption>Each event of the alert, oldest first, with when the service learned of it</caption>
      <thead>
        <tr>
          <th scope="col">Known on</th>
          <th scope="col">What happened</th>
          <th scope="col">Status after</th>
          <th scope="col">Actual</th>
        </tr>
      </thead>
      <tbody>
        {history.map((row, index) => (
          <tr data-status={row.status}>
            <td>{new Date(row.knownAt).toISOString().replace('T', ' ').slice(0, 16)} UTC</td>
            <td>{whatHappened(row, history[index - 1])}</td>
            <td>{row.status}</td>
            <td data-value={row.actual ?? ''}>{formatValue(row.actual)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
