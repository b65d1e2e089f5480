import {
  alertSteps,
  AlertStep,
  ContractChange,
  feedsReceived,
  knownInMonth,
  newResults,
  NotFoundError,
  OpenYear,
  openContractYear,
  parseReportMonth,
  ReportMonth,
  schoolYearOfContractYear,
  statusChanges,
  StatusChange,
} from '@turnaround/domain';
import { Principal } from '@turnaround/platform';
import { Scorecard, SchoolFeedCoverage, ShownReading } from '@turnaround/read-model';
import { Breadcrumbs } from '../views/breadcrumbs';
import { day, formatValue, StatusTag } from '../views/parts';
import { WebReads } from '../web-reads';
import { AlertRow, ROUTES, scorecardOf } from './read';
import { ChangesTable, coverageOf } from './review';
import { aggregateMetricsOf, alertsOfContracts, SubjectLine, withSources } from './subjects';

/** A subject's result of the month: a reading known at the end that the start did not have, or had with another value or n. */
export interface ProgressResult {
  scope: 'cluster' | 'school';
  subjectId: string;
  reading: ShownReading;
  before?: ShownReading;
}

/** One step of an alert of the contract in the month (raised, acknowledged, resolved, reopened), with the alert as known at the month's end. */
export interface ProgressAlertStep {
  alert: AlertRow;
  step: AlertStep;
  knownAt: string;
}

export interface ProgressView {
  contractId: string;
  month: ReportMonth;
  /** The contract as known at the month's end, without its lines. */
  scorecard: Omit<Scorecard, 'lines'>;
  open: OpenYear;
  /** The report lists lines of contract years 1 to this one (0 before the term), and results of school years up to its school year. */
  throughYear: number;
  /** Whether the contract was known at the month's start: if not, every line is new. */
  knownAtStart: boolean;
  changes: StatusChange<SubjectLine>[];
  results: ProgressResult[];
  /** Undefined for a reader who reads no alerts. */
  alerts?: ProgressAlertStep[];
  /** Undefined for a reader who may not read coverage. */
  received?: { row: SchoolFeedCoverage; before: string | null }[];
  overdue?: SchoolFeedCoverage[];
  /** The contract's changes recorded in the month. */
  history: ContractChange[];
}

/**
 * The monthly progress report of a contract (docs/domain.md, the annual review, issue 31): what changed in the
 * month `monthText` (YYYY-MM; the last complete month by the service's clock when absent) of the
 * open contract year, as the difference between two reads of the read model, as known at the
 * month's start and at its end, each as the API answers that reader at that time. The same
 * readers as the annual review: the state office, the contract's partner, and a district for its
 * schools' part (its schools' lines, alerts, results and feeds, and the cluster's); for anyone
 * else, or a contract not known by the month's end, a 404.
 */
export async function readProgress(reads: WebReads, principal: Principal, contractId: string, monthText: string | undefined): Promise<ProgressView> {
  if (!['state', 'partner', 'district'].includes(principal.role.kind)) throw new NotFoundError('contract', contractId);
  await reads.access.mustRead(principal, ROUTES.scorecard, 'contract', contractId);
  const month = parseReportMonth(monthText, reads.clock());
  const end = await scorecardOf(reads, principal, contractId, month.end);
  if (!end) throw new NotFoundError('contract', contractId);
  const start = await scorecardOf(reads, principal, contractId, month.start);
  const { lines: endLines, ...scorecard } = end;
  const open = openContractYear(scorecard, month);
  const throughYear = open.kind === 'open' ? open.contractYear : open.kind === 'after' ? scorecard.termYears : 0;
  const changes = statusChanges(
    await withSources(reads, principal, contractId, start?.lines ?? []),
    await withSources(reads, principal, contractId, endLines),
    throughYear,
  );

  const contract = (await reads.registry.contract(contractId)) as unknown as { schoolIds: string[] };
  const results: ProgressResult[] = [];
  if (throughYear > 0) {
    const lastSchoolYear = schoolYearOfContractYear(scorecard.startYear, throughYear);
    const subjects: { scope: 'cluster' | 'school'; subjectId: string; read: (asOf: Date) => Promise<ShownReading[] | undefined> }[] = [
      {
        scope: 'cluster',
        subjectId: scorecard.clusterId,
        read: (asOf) => aggregateMetricsOf(reads, principal, { kind: 'cluster', clusterId: scorecard.clusterId }, asOf),
      },
    ];
    for (const schoolId of contract.schoolIds)
      if (await reads.access.mayRead(principal, ROUTES.schoolMetrics, 'school', schoolId))
        subjects.push({ scope: 'school', subjectId: schoolId, read: (asOf) => reads.metrics.school(schoolId, principal.role, undefined, asOf) });
    for (const subject of subjects) {
      const after = await subject.read(month.end);
      if (!after) continue;
      const found = newResults((await subject.read(month.start)) ?? [], after, lastSchoolYear);
      results.push(...found.map((result) => ({ scope: subject.scope, subjectId: subject.subjectId, ...result })));
    }
  }

  const alerts = await alertsOfContracts(reads, principal, [contractId], month.end);
  let steps: ProgressAlertStep[] | undefined;
  if (alerts) {
    steps = [];
    for (const alert of alerts.filter((candidate) => candidate.contractYear <= Math.max(throughYear, 0))) {
      const history = (await reads.alerts.history(alert.alertId)) as unknown as {
        status: AlertRow['status'];
        knownAt: Date | string;
        acknowledgements: unknown[] | null;
      }[];
      const states = history.map((row) => ({ status: row.status, knownAt: row.knownAt, acknowledgements: row.acknowledgements?.length ?? 0 }));
      steps.push(...alertSteps(states, month).map((step) => ({ alert, ...step })));
    }
    steps.sort((a, b) => a.knownAt.localeCompare(b.knownAt) || a.alert.alertId.localeCompare(b.alert.alertId));
  }

  const coverageAtEnd = await coverageOf(reads, principal, contract.schoolIds, month.end);
  const coverageAtStart = coverageAtEnd && ((await coverageOf(reads, principal, contract.schoolIds, month.start)) ?? []);
  return {
    contractId,
    month,
    scorecard,
    open,
    throughYear,
    knownAtStart: start !== undefined,
    changes,
    results,
    alerts: steps,
    received: coverageAtEnd && feedsReceived(coverageAtStart ?? [], coverageAtEnd).map(({ feed, before }) => ({ row: feed, before })),
    overdue: coverageAtEnd?.filter((row) => row.overdue),
    history: (await reads.contractHistory.history(contractId, month.end)).filter((change) => knownInMonth(change.knownAt, month)),
  };
}

const subjectWords = (scope: string, subjectId: string): string => `${scope} ${subjectId}`;

const subjectHref = (scope: string, subjectId: string): string => `/${scope === 'school' ? 'schools' : 'clusters'}/${encodeURIComponent(subjectId)}`;

/** The open year in words, for the report's opening paragraph. */
function openYearWords(view: ProgressView): string {
  const { open } = view;
  if (open.kind === 'open')
    return `The month falls in contract year ${open.contractYear} (${open.schoolYear}). The report lists the lines of contract years 1 to ${open.contractYear} and the results of school years up to ${open.schoolYear}.`;
  if (open.kind === 'before')
    return `The month falls before the contract's term, which starts in ${open.firstSchoolYear}: no contract year is open, so no line or result is listed.`;
  return `The month falls after the contract's term, whose last school year was ${open.lastSchoolYear}: no contract year is open; the report lists what changed in the term's lines and results.`;
}

const STEP_WORDS: Record<AlertStep, string> = { raised: 'raised', acknowledged: 'acknowledged', resolved: 'resolved', reopened: 'reopened' };

/**
 * The progress report as one document for screen and print: the annual review's layout and print
 * rules (`.review`: the running line with the contract id and month on every printed page, page
 * numbers in the margin), shorter: what changed in the month, section by section.
 */
export function ProgressPage({ view }: { view: ProgressView }) {
  const { month } = view;
  const link = (path: string) => path;
  return (
    <article class="review progress" data-contract={view.contractId} data-month={month.month}>
      {/* As in the review: the table's header group repeats on every printed page; on screen it is hidden. */}
      <table class="review__pages" role="presentation">
        <thead aria-hidden="true">
          <tr>
            <td class="review__running">{`Contract ${view.contractId} · monthly progress report, ${month.month} · as known ${day(month.end)}`}</td>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>
              <Breadcrumbs
                trail={[
                  { href: '/', label: 'Home' },
                  { href: `/contracts/${encodeURIComponent(view.contractId)}`, label: `Contract ${view.contractId}` },
                ]}
                current={`Progress report, ${month.month}`}
              />
              <h1>
                Monthly progress report of contract {view.contractId}, {month.month}
              </h1>
              <p class="as-of-note" data-start={month.start.toISOString()} data-end={month.end.toISOString()}>
                {`What became known from ${month.firstDay} to ${month.lastDay}: the contract as known at the end of the month (${day(month.end)}, 00:00 UTC) against the contract as known at its start (${day(month.start)}, 00:00 UTC).`}
              </p>
              <div class="review__controls">
                <form method="get" class="usa-form as-of" role="search" aria-label="Another month">
                  <label class="usa-label" for="month">
                    Month
                  </label>
                  <span class="usa-hint" id="month-hint">
                    YYYY-MM; empty for the last complete month
                  </span>
                  <div class="as-of__row">
                    <input class="usa-input" id="month" name="month" type="month" value={month.month} aria-describedby="month-hint" />
                    <button class="usa-button" type="submit">
                      Show
                    </button>
                  </div>
                </form>
              </div>
              <p data-open-year={view.open.kind === 'open' ? view.open.contractYear : view.open.kind}>
                Partner <a href={link(`/partners/${encodeURIComponent(view.scorecard.partnerId)}`)}>{view.scorecard.partnerId}</a> on cluster{' '}
                <a href={link(`/clusters/${encodeURIComponent(view.scorecard.clusterId)}`)}>{view.scorecard.clusterId}</a>, {view.scorecard.termYears} years
                from {view.scorecard.startYear}. {openYearWords(view)}
                {!view.knownAtStart && ' The contract was not known at the start of the month: each of its lines is new.'}
              </p>

              <section aria-labelledby="progress-statuses">
                <h2 id="progress-statuses">1. Targets whose status changed</h2>
                {view.changes.length === 0 ? <p>No target's status changed in the month.</p> : <StatusChangesTable changes={view.changes} link={link} />}
              </section>

              <section aria-labelledby="progress-results">
                <h2 id="progress-results">2. New results</h2>
                {view.results.length === 0 ? <p>No new or restated result in the month.</p> : <ResultsTable results={view.results} link={link} />}
              </section>

              <section aria-labelledby="progress-alerts">
                <h2 id="progress-alerts">3. Alerts</h2>
                {view.alerts === undefined ? (
                  <p>Alerts are not shown to this reader.</p>
                ) : view.alerts.length === 0 ? (
                  <p>No alert was raised, reopened, acknowledged or resolved in the month.</p>
                ) : (
                  <AlertStepsTable steps={view.alerts} link={link} />
                )}
              </section>

              <section aria-labelledby="progress-feeds">
                <h2 id="progress-feeds">4. Feeds</h2>
                {view.received === undefined || view.overdue === undefined ? (
                  <p>Feed coverage is not shown to this reader.</p>
                ) : (
                  <>
                    <h3>Received in the month</h3>
                    {view.received.length === 0 ? (
                      <p>No feed of the contract's schools reached a later period in the month.</p>
                    ) : (
                      <ReceivedTable received={view.received} />
                    )}
                    <h3>Overdue at the month's end</h3>
                    {view.overdue.length === 0 ? (
                      <p>No feed of the contract's schools was overdue at the month's end.</p>
                    ) : (
                      <OverdueTable rows={view.overdue} />
                    )}
                  </>
                )}
              </section>

              <section aria-labelledby="progress-contract">
                <h2 id="progress-contract">5. Changes of the contract</h2>
                {view.history.length === 0 ? (
                  <p>No change of the contract was recorded in the month.</p>
                ) : (
                  <ChangesTable history={view.history} caption="Each change of the contract recorded in the month" />
                )}
              </section>
            </td>
          </tr>
        </tbody>
      </table>
    </article>
  );
}

function StatusChangesTable({ changes, link }: { changes: StatusChange<SubjectLine>[]; link: (path: string) => string }) {
  return (
    <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-label="Status changes">
      <table class="usa-table usa-table--borderless review__verdicts">
        <caption>Each line whose status at the month's end differs from its status at the start: target and actual at both</caption>
        <thead>
          <tr>
            <th scope="col">Year</th>
            <th scope="col">Subject</th>
            <th scope="col">Metric</th>
            <th scope="col">Status at the start</th>
            <th scope="col">Status at the end</th>
            <th scope="col">Target (start, end)</th>
            <th scope="col">Actual (start, end)</th>
          </tr>
        </thead>
        <tbody>
          {changes.map(({ from, to }) => {
            const line = (to ?? from) as SubjectLine;
            return (
              <tr data-status-change={`${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`}>
                <td>
                  {line.contractYear} ({line.schoolYear})
                </td>
                <td>
                  <a href={link(subjectHref(line.scope, line.subjectId))}>{subjectWords(line.scope, line.subjectId)}</a>
                  {line.kind === 'school_majority' && <span class="detail">majority of schools</span>}
                </td>
                <td>{line.metric}</td>
                <td data-from={from?.status ?? ''}>{from ? <StatusTag status={from.status} /> : 'no line'}</td>
                <td data-to={to?.status ?? ''}>{to ? <StatusTag status={to.status} /> : 'withdrawn'}</td>
                <td
                  data-start-value={from?.threshold ?? ''}
                  data-end-value={to?.threshold ?? ''}
                >{`${from ? formatValue(from.threshold) : '–'} → ${to ? formatValue(to.threshold) : '–'}`}</td>
                <td data-start-value={from?.actual ?? ''} data-end-value={to?.actual ?? ''}>
                  {`${from ? formatValue(from.actual) : '–'} → ${to ? formatValue(to.actual) : '–'}`}
                  {to?.evidence === 'leading' && <span class="detail">leading evidence</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function ResultsTable({ results, link }: { results: ProgressResult[]; link: (path: string) => string }) {
  const shown = (reading: ShownReading | undefined) => (reading === undefined ? '–' : reading.withheld ? 'withheld' : formatValue(reading.rate));
  return (
    <table class="usa-table usa-table--borderless review__results">
      <caption>Each subject's readings known at the month's end that the start did not have, or had with another value or n</caption>
      <thead>
        <tr>
          <th scope="col">Subject</th>
          <th scope="col">Metric</th>
          <th scope="col">School year</th>
          <th scope="col">Value</th>
          <th scope="col">n</th>
          <th scope="col">Before</th>
        </tr>
      </thead>
      <tbody>
        {results.map(({ scope, subjectId, reading, before }) => (
          <tr data-result={`${scope}|${subjectId}|${reading.metric}|${reading.schoolYear}`}>
            <th scope="row">
              <a href={link(subjectHref(scope, subjectId))}>{subjectWords(scope, subjectId)}</a>
            </th>
            <td>{reading.metric}</td>
            <td>{reading.schoolYear}</td>
            <td data-value={reading.rate ?? ''}>
              {shown(reading)}
              {reading.final === false && <span class="detail">year to date</span>}
              {reading.smallNumber && !reading.withheld && <span class="detail">fewer than the minimum n</span>}
            </td>
            <td data-value={reading.denominator ?? ''}>{reading.withheld ? 'withheld' : formatValue(reading.denominator)}</td>
            <td data-value={before?.rate ?? ''}>
              {before ? `${shown(before)} (n ${before.withheld ? 'withheld' : formatValue(before.denominator)}), restated` : 'new'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AlertStepsTable({ steps, link }: { steps: ProgressAlertStep[]; link: (path: string) => string }) {
  return (
    <table class="usa-table usa-table--borderless review__alerts">
      <caption>Each alert of the contract raised, reopened, acknowledged or resolved in the month, in the order the service learned of it</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">What</th>
          <th scope="col">Alert</th>
          <th scope="col">Subject</th>
          <th scope="col">Metric and year</th>
          <th scope="col">Target</th>
          <th scope="col">Actual at the end</th>
        </tr>
      </thead>
      <tbody>
        {steps.map(({ alert, step, knownAt }) => (
          <tr data-alert-step={`${alert.alertId}|${step}|${knownAt}`}>
            <td>{day(knownAt)}</td>
            <td>{STEP_WORDS[step]}</td>
            <td>
              <a href={link(`/alerts/${encodeURIComponent(alert.alertId)}`)}>{`${alert.checkpoint.replace('_', ' ')} (${alert.severity})`}</a>
            </td>
            <td>{alert.schoolId ? subjectWords('school', alert.schoolId) : subjectWords('cluster', alert.clusterId ?? '')}</td>
            <td>{`${alert.metric}, year ${alert.contractYear}`}</td>
            <td data-value={alert.target}>{formatValue(alert.target)}</td>
            <td data-value={alert.actual ?? ''}>{formatValue(alert.actual)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ReceivedTable({ received }: { received: NonNullable<ProgressView['received']> }) {
  return (
    <table class="usa-table usa-table--borderless review__coverage">
      <caption>
        Each school's watched feed whose last period received moved on in the month: from the period known at the start to the one known at the end
      </caption>
      <thead>
        <tr>
          <th scope="col">School</th>
          <th scope="col">Feed</th>
          <th scope="col">Last period at the start</th>
          <th scope="col">Last period at the end</th>
        </tr>
      </thead>
      <tbody>
        {received.map(({ row, before }) => (
          <tr data-received={`${row.schoolId}|${row.feed}`} data-before={before ?? ''} data-after={row.lastPeriodEnd ?? ''}>
            <th scope="row">{row.name}</th>
            <td>{row.feed}</td>
            <td>{before ?? 'none yet'}</td>
            <td>{row.lastPeriodEnd}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OverdueTable({ rows }: { rows: SchoolFeedCoverage[] }) {
  return (
    <table class="usa-table usa-table--borderless review__coverage">
      <caption>Each school's watched feed overdue on the month's last day as the coverage judged it then</caption>
      <thead>
        <tr>
          <th scope="col">School</th>
          <th scope="col">Feed</th>
          <th scope="col">Last period received</th>
          <th scope="col">Days overdue</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr data-overdue-feed={`${row.schoolId}|${row.feed}`}>
            <th scope="row">{row.name}</th>
            <td>{row.feed}</td>
            <td>{row.lastPeriodEnd ?? 'none yet'}</td>
            <td data-value={row.daysOverdue}>{row.daysOverdue}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
