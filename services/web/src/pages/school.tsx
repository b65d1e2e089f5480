import { Principal } from '@turnaround/platform';
import { ScorecardLineReading, ShownReading } from '@turnaround/read-model';
import { AsOfForm, AsOfNote, formatValue, StatusTag, withAsOf } from '../views/parts';
import { Trend, TrendCharts } from '../views/trend-chart';
import { WebReads } from '../web-reads';
import { AlertTable } from './home';
import { AlertRow, alertsOf, bySeverityThenNewest, contractsOf, ROUTES, scorecardOf } from './read';
import { trendsOf } from './subjects';

interface SchoolLine extends ScorecardLineReading {
  contractId: string;
  /** The school's reading of the line's metric and year, as `GET /api/v1/schools/:schoolId/metrics` shows it to the reader. */
  reading?: ShownReading;
}

export interface SchoolView {
  school: { schoolId: string; districtId: string; name: string; gradeSpan: string };
  lines: SchoolLine[];
  /** Undefined for a role that may not read the school's metrics or its alerts. */
  readings?: ShownReading[];
  /** Each metric over school years against the school's targets and the state average. */
  trends?: Trend[];
  alerts?: AlertRow[];
}

/**
 * A school: a 404 unless the reader may read it by `GET /api/v1/schools/:schoolId`; its lines
 * of every contract scorecard the reader may read, each with the n and small-number flag of the
 * school's metric that year; its metrics; and its alerts.
 */
export async function readSchool(reads: WebReads, principal: Principal, schoolId: string, asOf: Date | undefined): Promise<SchoolView> {
  await reads.access.mustRead(principal, ROUTES.school, 'school', schoolId);
  const school = (await reads.registry.school(schoolId)) as unknown as SchoolView['school'];
  const readings = (await reads.access.mayRead(principal, ROUTES.schoolMetrics, 'school', schoolId))
    ? await reads.metrics.school(schoolId, principal.role, undefined, asOf)
    : undefined;
  const readingOf = (line: ScorecardLineReading) => readings?.find((reading) => reading.metric === line.metric && reading.schoolYear === line.schoolYear);
  const lines: SchoolLine[] = [];
  for (const contract of (await contractsOf(reads, principal)).filter((candidate) => candidate.schoolIds.includes(schoolId))) {
    const scorecard = await scorecardOf(reads, principal, contract.contractId, asOf);
    for (const line of scorecard?.lines ?? [])
      if (line.scope === 'school' && line.subjectId === schoolId) lines.push({ ...line, contractId: contract.contractId, reading: readingOf(line) });
  }
  const alerts = (await alertsOf(reads, principal, { asOf }))?.filter((alert) => alert.schoolId === schoolId).sort(bySeverityThenNewest);
  return { school, lines, readings, trends: readings && (await trendsOf(reads, principal, readings, lines, asOf)), alerts };
}

export function SchoolPage({ view, asOf, asOfText }: { view: SchoolView; asOf?: Date; asOfText?: string }) {
  const { school } = view;
  return (
    <>
      <nav class="usa-breadcrumb" aria-label="Breadcrumbs">
        <ol class="usa-breadcrumb__list">
          <li class="usa-breadcrumb__list-item">
            <a class="usa-breadcrumb__link" href={withAsOf('/', asOfText)}>
              Home
            </a>
          </li>
          <li class="usa-breadcrumb__list-item">
            <a class="usa-breadcrumb__link" href={withAsOf('/schools', asOfText)}>
              Schools
            </a>
          </li>
          <li class="usa-breadcrumb__list-item usa-current" aria-current="page">
            {school.name}
          </li>
        </ol>
      </nav>
      <h1>{school.name}</h1>
      <p>
        State code {school.schoolId}, district {school.districtId}, grades {school.gradeSpan}.
      </p>
      <AsOfNote asOf={asOf} />
      <AsOfForm asOf={asOfText} />
      <section aria-labelledby="scorecard">
        <h2 id="scorecard">Scorecard</h2>
        {view.lines.length === 0 ? <p>No target of this school to show.</p> : <ScorecardTable lines={view.lines} />}
      </section>
      {view.readings && (
        <section aria-labelledby="metrics">
          <h2 id="metrics">Metrics</h2>
          {view.readings.length === 0 ? <p>No metric of this school yet.</p> : <MetricsTable readings={view.readings} />}
        </section>
      )}
      {view.trends && <TrendCharts subject={school.name} trends={view.trends} />}
      {view.alerts && (
        <section aria-labelledby="alerts">
          <h2 id="alerts">Alerts</h2>
          {view.alerts.length === 0 ? (
            <p>No alert for this school.</p>
          ) : (
            <AlertTable alerts={view.alerts} link={(path) => withAsOf(path, asOfText)} caption="Alerts of this school, most severe and newest first" />
          )}
        </section>
      )}
    </>
  );
}

function ScorecardTable({ lines }: { lines: SchoolLine[] }) {
  return (
    <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-label="Scorecard of the school">
      <table class="usa-table usa-table--borderless scorecard">
        <caption>Target, actual and status per metric and contract year; n is the metric's denominator that year</caption>
        <thead>
          <tr>
            <th scope="col">Contract</th>
            <th scope="col">Metric</th>
            <th scope="col">Contract year</th>
            <th scope="col">Target</th>
            <th scope="col">Actual</th>
            <th scope="col">Status</th>
            <th scope="col">n</th>
            <th scope="col">Small number</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr data-contract={line.contractId} data-metric={line.metric} data-contract-year={line.contractYear}>
              <td>{line.contractId}</td>
              <td>{line.metric}</td>
              <td>
                {line.contractYear} ({line.schoolYear})
              </td>
              <td data-value={line.threshold ?? ''}>
                {formatValue(line.threshold)}
                {line.targetSince && <span class="detail"> {`${line.kind}, since ${line.targetSince.slice(0, 10)}`}</span>}
              </td>
              <td data-value={line.actual ?? ''}>
                {formatValue(line.actual)}
                {line.evidence === 'leading' && <span class="detail"> leading evidence</span>}
              </td>
              <td>
                <StatusTag status={line.status} />
                {line.reason && <span class="detail"> {line.reason}</span>}
              </td>
              <td data-value={line.reading?.denominator ?? ''}>{formatValue(line.reading?.denominator)}</td>
              <td data-small={line.reading ? String(line.reading.smallNumber) : ''}>
                {line.reading ? (line.reading.smallNumber ? 'yes: fewer than the minimum n' : 'no') : '–'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MetricsTable({ readings }: { readings: ShownReading[] }) {
  return (
    <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-label="Metrics of the school">
      <table class="usa-table usa-table--borderless metrics">
        <caption>Each metric by school year, as you may see it (small numbers withheld where the rules say)</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">School year</th>
            <th scope="col">Value</th>
            <th scope="col">n</th>
            <th scope="col">Small number</th>
            <th scope="col">Final</th>
          </tr>
        </thead>
        <tbody>
          {readings.map((reading) => (
            <tr data-metric={reading.metric} data-school-year={reading.schoolYear}>
              <td>{reading.metric}</td>
              <td>{reading.schoolYear}</td>
              <td data-value={reading.rate ?? ''}>{reading.withheld ? 'withheld' : formatValue(reading.rate)}</td>
              <td data-value={reading.denominator ?? ''}>{reading.withheld ? 'withheld' : formatValue(reading.denominator)}</td>
              <td data-small={String(reading.smallNumber)}>{reading.smallNumber ? 'yes' : 'no'}</td>
              <td>{reading.final ? 'final' : `partial, through ${reading.through}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
