import {
  BaselineComparison,
  changeWords,
  clusterRuleSentence,
  ComparisonFigure,
  ContractChange,
  comparisonSentence,
  contractRecord,
  Estimate,
  EventTimeEffect,
  MetricDefinition,
  metricDefinition,
  metricFamilyOf,
  MetricRecord,
  MINIMUM_SCHOOLS,
  NotFoundError,
  rateOf,
  RecordAlert,
  SchoolCounts,
  schoolYearOfContractYear,
  schoolYearStartingIn,
  startCalendarYear,
  ValidationError,
} from '@turnaround/domain';
import { Principal, ResearchRequests } from '@turnaround/platform';
import { RegistryQueries, Restatement, Scorecard, SchoolFeedCoverage, ShownReading } from '@turnaround/read-model';
import { Breadcrumbs } from '../views/breadcrumbs';
import { AsOfForm, AsOfNote, day, formatValue, StatusTag, withAsOf } from '../views/parts';
import { Trend, TrendChart } from '../views/trend-chart';
import { WebReads } from '../web-reads';
import { AlertRow, ROUTES, scorecardOf } from './read';
import { alertsOfContracts, aggregateMetricsOf, SubjectLine, trendsOf, withReadings, withSources } from './subjects';

/** The contract as `GET /api/v1/contracts/:contractId` answers it: its targets in force (each with since when and which change set it), and the row's fields the review states. */
type ContractOnRecord = Awaited<ReturnType<RegistryQueries['contract']>> & { schoolIds: string[]; governance: string };

/** One state of an alert, as its history keeps it. */
interface AlertState {
  status: AlertRow['status'];
  knownAt: string;
}

/** A verdict line with the alerts raised on it, each with its history up to the review's date. */
export interface ReviewLine extends SubjectLine {
  alerts: (AlertRow & { history: AlertState[] })[];
}

export interface ReviewView {
  contractId: string;
  year: number;
  scorecard: Omit<Scorecard, 'lines'>;
  contract: ContractOnRecord;
  /** Every change of the contract known on the date: signed, amended (with its reason), renewed, terminated. */
  history: ContractChange[];
  lines: ReviewLine[];
  /** The cluster rule in words, one sentence per cluster line, in the verdict table's order. */
  clusterRules: { contractYear: number; metric: string; sentence: string }[];
  trends: { subject: string; trends: Trend[] }[];
  /** Undefined for a reader who may not read coverage. */
  coverage?: SchoolFeedCoverage[];
  /** Final values of the schools the reader may read that were restated, as known on the date. */
  restatements: Restatement[];
  /** Section 4, per metric with a target in the contract; undefined for a reader who may not read proof points. */
  comparisons?: MetricComparison[];
  /** Section 6: the leading indicators of the cluster and of each school the reader may read. */
  leading: LeadingSubject[];
  record: MetricRecord[];
}

/** One contract year of a metric's comparison: the 2x2 difference in differences of the contract's cohort, and the ATT at that event time. */
export interface ComparisonYear {
  contractYear: number;
  schoolYear: string;
  /** The cluster's schools first treated in the contract's first year against the comparison schools, over the year before it and this one; undefined where a side has no school with both. */
  differenceInDifferences?: BaselineComparison;
  /** ATT at event time contractYear - 1, over the cluster's cohorts (docs/research.md); undefined where none has it. */
  att?: EventTimeEffect;
}

/** A metric's proof points for the contract's cluster, as `GET /api/v1/research/proof-points?metric=...&group=cluster` answers on the review's date. */
export interface MetricComparison {
  metric: string;
  /** The metric as the process's catalogues define it: the unit its figures are in. */
  definition: MetricDefinition | undefined;
  /** The knowledge time the figures were computed at. */
  asOf: string;
  comparisonSchools: number;
  years: ComparisonYear[];
  sentence: string;
}

/** A leading indicator of one subject in one school year, with the subject's own target that year where the contract has one. */
export interface LeadingRow {
  metric: string;
  schoolYear: string;
  reading: ShownReading;
  target: number | null;
}

export interface LeadingSubject {
  scope: 'cluster' | 'school';
  subjectId: string;
  rows: LeadingRow[];
}

/**
 * The annual review of contract year `year` (docs/domain.md, the annual review), for the state office and the
 * contract's partner, and for a district the lines of its schools and the cluster as
 * `GET /api/v1/contracts/:contractId/scorecard` narrows them. A researcher may read scorecards,
 * but the review is the parties' renewal document: for anyone else it is a 404, like a contract
 * the reader may not read or that was not known yet on the date.
 */
export async function readReview(
  reads: WebReads,
  research: ResearchRequests,
  principal: Principal,
  contractId: string,
  yearText: string | undefined,
  asOf: Date | undefined,
): Promise<ReviewView> {
  if (!['state', 'partner', 'district'].includes(principal.role.kind)) throw new NotFoundError('contract', contractId);
  await reads.access.mustRead(principal, ROUTES.scorecard, 'contract', contractId);
  const contract = (await reads.registry.contract(contractId)) as ContractOnRecord;
  const found = await scorecardOf(reads, principal, contractId, asOf);
  if (!found) throw new NotFoundError('contract', contractId);
  const { lines: allLines, ...scorecard } = found;
  const year = contractYearOf(yearText, scorecard.termYears, allLines);
  const judged = allLines.filter((line) => line.contractYear <= year);
  const withN = await withReadings(reads, principal, await withSources(reads, principal, contractId, judged), asOf);
  const alerts = (await alertsOfContracts(reads, principal, [contractId], asOf)) ?? [];
  const histories = new Map<string, AlertState[]>();
  for (const alert of alerts) {
    const rows = (await reads.alerts.history(alert.alertId)) as unknown as { status: AlertRow['status']; knownAt: Date | string }[];
    histories.set(
      alert.alertId,
      rows.map((row) => ({ status: row.status, knownAt: new Date(row.knownAt).toISOString() })).filter((row) => !asOf || new Date(row.knownAt) <= asOf),
    );
  }
  const lines = withN.map((line) => ({
    ...line,
    alerts: alerts
      .filter(
        (alert) =>
          alert.metric === line.metric &&
          alert.contractYear === line.contractYear &&
          (line.scope === 'school' ? alert.schoolId === line.subjectId : alert.schoolId === null),
      )
      .map((alert) => ({ ...alert, history: histories.get(alert.alertId) ?? [] })),
  }));
  const clusterLines = lines.filter((line) => line.scope === 'cluster');
  return {
    contractId,
    year,
    scorecard,
    contract,
    // From the contract's stream: on a page kept for a state of the read model, a change appended
    // just now may show here a moment before the scorecards take it in.
    history: await reads.contractHistory.history(contractId, asOf),
    lines,
    clusterRules: clusterLines.map((line) => ({ contractYear: line.contractYear, metric: line.metric, sentence: clusterRuleSentence(line) })),
    trends: await reviewTrends(reads, principal, scorecard.clusterId, lines, asOf),
    coverage: await coverageOf(reads, principal, contract.schoolIds, asOf),
    restatements: await restatementsOf(reads, principal, contract.schoolIds, asOf),
    comparisons: await comparisonsOf(reads, research, principal, scorecard, [...new Set(contract.targets.map((target) => target.metric))].sort(), year, asOf),
    leading: await leadingOf(reads, principal, scorecard, contract.schoolIds, lines, year, asOf),
    record: contractRecord(
      clusterLines,
      alerts
        .filter((alert) => alert.contractYear <= year)
        .map(
          (alert): RecordAlert => ({ ...alert, checkpoint: alert.checkpoint as RecordAlert['checkpoint'], raisedAt: new Date(alert.raisedAt).toISOString() }),
        ),
    ),
  };
}

/** `?year=K`: a contract year of the term; the latest year with a line where absent. */
function contractYearOf(text: string | undefined, termYears: number, lines: readonly { contractYear: number }[]): number {
  if (text === undefined || text === '') return Math.max(1, ...lines.map((line) => line.contractYear));
  const year = Number(text);
  if (!Number.isInteger(year) || year < 1 || year > termYears)
    throw ValidationError.of('year', `expected a contract year from 1 to ${termYears}, got '${text}'`);
  return year;
}

/**
 * The trend of each metric with a target: the cluster's, then each school's the reader may read,
 * each against its own target path, the state average and the never-treated comparison schools'
 * mean as of the review's date.
 */
async function reviewTrends(
  reads: WebReads,
  principal: Principal,
  clusterId: string,
  lines: readonly ReviewLine[],
  asOf: Date | undefined,
): Promise<{ subject: string; trends: Trend[] }[]> {
  const metrics = new Set(lines.map((line) => line.metric));
  const subjects: { subject: string; readings: ShownReading[] | undefined; lines: ReviewLine[] }[] = [
    {
      subject: `cluster ${clusterId}`,
      readings: await aggregateMetricsOf(reads, principal, { kind: 'cluster', clusterId }, asOf),
      lines: lines.filter((line) => line.scope === 'cluster'),
    },
  ];
  for (const schoolId of [...new Set(lines.filter((line) => line.scope === 'school').map((line) => line.subjectId))]) {
    const readable = await reads.access.mayRead(principal, ROUTES.schoolMetrics, 'school', schoolId);
    subjects.push({
      subject: `school ${schoolId}`,
      readings: readable ? await reads.metrics.school(schoolId, principal.role, undefined, asOf) : undefined,
      lines: lines.filter((line) => line.subjectId === schoolId),
    });
  }
  const comparison = reads.access.may(principal, ROUTES.comparisonMetrics)
    ? await reads.metrics.comparison(principal.role, undefined, asOf, [...metrics])
    : undefined;
  const charts = [];
  for (const subject of subjects) {
    if (!subject.readings) continue;
    const trends = await trendsOf(
      reads,
      principal,
      subject.readings.filter((reading) => metrics.has(reading.metric)),
      subject.lines,
      asOf,
      comparison,
    );
    charts.push({ subject: subject.subject, trends });
  }
  return charts;
}

/** The contract's schools' feeds as `GET /api/v1/feeds/coverage` answers the reader on the review's date; undefined for a reader who may not read it. */
export async function coverageOf(
  reads: WebReads,
  principal: Principal,
  schoolIds: readonly string[],
  asOf: Date | undefined,
): Promise<SchoolFeedCoverage[] | undefined> {
  if (!reads.access.may(principal, ROUTES.coverage)) return undefined;
  const rows = await reads.coverage.list(reads.config.feedCadences, { asOf, owner: reads.access.narrowing(principal, ROUTES.coverage) }, reads.clock());
  return rows.filter((row) => schoolIds.includes(row.schoolId));
}

/** The restated final values of the contract's schools whose metrics the reader may read (each wholly its own, or the state office's: raw values). */
async function restatementsOf(reads: WebReads, principal: Principal, schoolIds: readonly string[], asOf: Date | undefined): Promise<Restatement[]> {
  const readable: string[] = [];
  for (const schoolId of schoolIds) if (await reads.access.mayRead(principal, ROUTES.schoolMetrics, 'school', schoolId)) readable.push(schoolId);
  return reads.metrics.restatements(readable, asOf);
}

/**
 * Section 4: each metric's proof points for the contract's cluster, through the research
 * service's own request (the RESEARCH_REQUESTS port, as the API route and the research pages
 * call it, under that route's grant and in its audit), as known on the review's date. For each
 * contract year 1..K: the 2x2 difference in differences of the contract's cohort (first treated
 * in contract year 1, against the year before) and the ATT at that event time; the sentence reads
 * the latest year that has a difference. Undefined for a reader the route does not admit (only
 * the state office, of the review's readers).
 */
async function comparisonsOf(
  reads: WebReads,
  research: ResearchRequests,
  principal: Principal,
  scorecard: Pick<Scorecard, 'clusterId' | 'startYear'>,
  metrics: readonly string[],
  year: number,
  asOf: Date | undefined,
): Promise<MetricComparison[] | undefined> {
  if (!reads.access.may(principal, ROUTES.proofPoints)) return undefined;
  // The panel's `year` is the calendar year a school year ends in: 2023-24 is 2024.
  const cohort = startCalendarYear(scorecard.startYear) + 1;
  const schoolYearOf = (calendarYear: number) => schoolYearStartingIn(calendarYear - 1);
  const comparisons: MetricComparison[] = [];
  for (const metric of metrics) {
    const answer = await research.proofPoints(principal, { metric, group: 'cluster', asOf: asOf?.toISOString() });
    const group = answer.groups.find((candidate) => candidate.groupId === scorecard.clusterId);
    const years = Array.from({ length: year }, (_, index): ComparisonYear => {
      const contractYear = index + 1;
      return {
        contractYear,
        schoolYear: schoolYearOfContractYear(scorecard.startYear, contractYear),
        differenceInDifferences: group?.baselineComparisons.find((cell) => cell.cohort === cohort && cell.year === cohort + index),
        att: group?.eventTime.find((effect) => effect.eventTime === index),
      };
    });
    const latest = [...years].reverse().find((entry) => entry.differenceInDifferences) ?? years[years.length - 1];
    const cell = latest.differenceInDifferences;
    const figure: ComparisonFigure = {
      metric,
      contractYear: latest.contractYear,
      baselineYear: schoolYearOf(cohort - 1),
      year: latest.schoolYear,
      difference: cell?.differenceInDifferences ?? null,
      schools: cell?.schools ?? null,
    };
    const definition = metricDefinition(metric, reads.catalogues);
    comparisons.push({
      metric,
      definition,
      asOf: answer.asOf,
      comparisonSchools: group?.comparisonSchools ?? answer.groups[0]?.comparisonSchools ?? 0,
      years,
      sentence: comparisonSentence(figure, definition),
    });
  }
  return comparisons;
}

/** What section 6 counts as leading: every metric read before the spring tests (attendance, staffing, the catalogue's indicators). */
const isLeading = (metric: string): boolean => {
  const source = metricFamilyOf(metric)?.family.source;
  return source === 'attendance' || source === 'staffing' || source === 'indicator';
};

/**
 * Section 6: the leading indicators of the cluster (as `GET /api/v1/clusters/:clusterId/metrics`
 * answers the reader) and of each of the contract's schools the reader may read (as
 * `GET /api/v1/schools/:schoolId/metrics` does), by school year up to contract year K's, each
 * beside the subject's own target of that metric and year where the review judges one.
 */
async function leadingOf(
  reads: WebReads,
  principal: Principal,
  scorecard: Pick<Scorecard, 'clusterId' | 'startYear'>,
  schoolIds: readonly string[],
  lines: readonly ReviewLine[],
  year: number,
  asOf: Date | undefined,
): Promise<LeadingSubject[]> {
  const last = schoolYearOfContractYear(scorecard.startYear, year);
  const subjects: { scope: 'cluster' | 'school'; subjectId: string; readings: ShownReading[] | undefined }[] = [
    {
      scope: 'cluster',
      subjectId: scorecard.clusterId,
      readings: await aggregateMetricsOf(reads, principal, { kind: 'cluster', clusterId: scorecard.clusterId }, asOf),
    },
  ];
  for (const schoolId of schoolIds) {
    if (await reads.access.mayRead(principal, ROUTES.schoolMetrics, 'school', schoolId))
      subjects.push({ scope: 'school', subjectId: schoolId, readings: await reads.metrics.school(schoolId, principal.role, undefined, asOf) });
  }
  return subjects
    .filter((subject) => subject.readings !== undefined)
    .map((subject) => ({
      scope: subject.scope,
      subjectId: subject.subjectId,
      rows: (subject.readings ?? [])
        .filter((reading) => isLeading(reading.metric) && reading.schoolYear <= last)
        .sort((a, b) => (a.metric === b.metric ? (a.schoolYear < b.schoolYear ? -1 : 1) : a.metric < b.metric ? -1 : 1))
        .map((reading) => ({
          metric: reading.metric,
          schoolYear: reading.schoolYear,
          reading,
          // A majority line's threshold is the share of schools that must meet theirs, not a value of the metric.
          target:
            lines.find(
              (line) =>
                line.scope === subject.scope &&
                line.subjectId === subject.subjectId &&
                line.metric === reading.metric &&
                line.schoolYear === reading.schoolYear &&
                line.kind !== 'school_majority',
            )?.threshold ?? null,
        })),
    }));
}

/** Who set a target: the contract as signed, an amendment, a renewal. */
const setByWords = (setBy: string | null): string => (setBy === null ? 'not recorded' : setBy === 'signed' ? 'the contract as signed' : setBy);

/**
 * The review as one document for screen and print (`.review`, whose print rules in web.css
 * repeat the contract id and date on every page): the contract, the verdicts, the trends, the
 * comparison with never-treated schools, the data quality, the leading indicators and what the
 * record shows, numbered as docs/domain.md, the annual review lists them.
 */
export function ReviewPage({ view, asOf, asOfText }: { view: ReviewView; asOf?: Date; asOfText?: string }) {
  const { scorecard, contract } = view;
  const link = (path: string) => withAsOf(path, asOfText);
  const known = asOf ? day(asOf) : `now (${day(scorecard.asOf)})`;
  const small = view.lines.filter((line) => line.reading?.smallNumber);
  return (
    <article class="review" data-contract={view.contractId} data-year={view.year}>
      {/* A table's header group repeats on every printed page: the running line of contract, year and date. On screen the table lays out as blocks and its header is hidden. */}
      <table class="review__pages" role="presentation">
        <thead aria-hidden="true">
          <tr>
            <td class="review__running">{`Contract ${view.contractId} · annual review, year ${view.year} · as known ${known}`}</td>
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
                current={`Review of year ${view.year}`}
                asOfText={asOfText}
              />
              <h1>
                Annual review of contract {view.contractId}, year {view.year}
              </h1>
              <AsOfNote asOf={asOf} />
              <div class="review__controls">
                <AsOfForm asOf={asOfText} keep={{ year: String(view.year) }} />
              </div>

              <section aria-labelledby="review-contract">
                <h2 id="review-contract">1. The contract</h2>
                <dl class="review__facts">
                  <dt>Partner</dt>
                  <dd>
                    <a href={link(`/partners/${encodeURIComponent(scorecard.partnerId)}`)}>{scorecard.partnerId}</a>
                  </dd>
                  <dt>Cluster</dt>
                  <dd>
                    <a href={link(`/clusters/${encodeURIComponent(scorecard.clusterId)}`)}>{scorecard.clusterId}</a>
                  </dd>
                  <dt>Schools</dt>
                  <dd data-schools={contract.schoolIds.join(' ')}>{contract.schoolIds.join(', ')}</dd>
                  <dt>Governance</dt>
                  <dd>{contract.governance}</dd>
                  <dt>Term</dt>
                  <dd>
                    {scorecard.termYears} years from {scorecard.startYear}, baseline {scorecard.baselineYear};{' '}
                    {scorecard.termination ? `terminated on ${day(scorecard.termination.at)}: ${scorecard.termination.reason}` : 'active'}
                  </dd>
                </dl>
                <h3>Changes of the contract</h3>
                <ChangesTable history={view.history} caption="Every change of the contract known on the date, in the order it was recorded" />
              </section>

              <section aria-labelledby="review-verdicts">
                <h2 id="review-verdicts">2. The verdicts</h2>
                {view.lines.length === 0 ? (
                  <p>No target of years 1 to {view.year} to judge.</p>
                ) : (
                  <VerdictTable lines={view.lines} year={view.year} link={link} />
                )}
                <h3>The cluster rule</h3>
                <p>A cluster misses a year when its aggregate misses the cluster target, or when more than half of its schools miss theirs.</p>
                <ul class="review__rules">
                  {view.clusterRules.map((rule) => (
                    <li data-cluster-rule={`${rule.contractYear}|${rule.metric}`}>{rule.sentence}</li>
                  ))}
                </ul>
              </section>

              <section aria-labelledby="review-trends">
                <h2 id="review-trends">3. Trends</h2>
                <p>
                  Each metric with a target by school year: the subject's values (solid, round marks), its target path (dashed, square marks), the state average
                  (dotted, triangles) and the mean of the comparison schools, never in a cluster or a contract (dash-dotted, diamonds), as known on the review's
                  date.
                </p>
                {view.trends.map((subject) => subject.trends.map((trend) => <TrendChart subject={subject.subject} trend={trend} />))}
              </section>

              <section aria-labelledby="review-comparison">
                <h2 id="review-comparison">4. Compared with similar schools</h2>
                {view.comparisons === undefined ? (
                  <p>The comparison with never-treated schools is a research figure, not shown to this reader.</p>
                ) : (
                  <>
                    <p>
                      For each metric with a target, how much more the cluster's schools gained than the never-treated comparison schools: the 2x2 difference in
                      differences of the schools first treated in contract year 1, from the year before it, and the average effect on the treated (ATT) of each
                      contract year over the cluster's schools. Schools are unweighted; intervals come from 999 bootstrap draws that resample schools. A figure
                      needs at least {MINIMUM_SCHOOLS.differenceInDifferences} schools on each side, its interval {MINIMUM_SCHOOLS.interval}.
                    </p>
                    {view.comparisons.length === 0 ? (
                      <p>The contract has no target to compare.</p>
                    ) : (
                      view.comparisons.map((comparison) => <ComparisonTable comparison={comparison} />)
                    )}
                  </>
                )}
              </section>

              <section aria-labelledby="review-quality">
                <h2 id="review-quality">5. Data quality</h2>
                {view.coverage === undefined ? <p>Feed coverage is not shown to this reader.</p> : <CoverageTable rows={view.coverage} />}
                <h3>Restatements after a year was final</h3>
                {view.restatements.length === 0 ? <p>No final value of these schools was restated.</p> : <RestatementsTable rows={view.restatements} />}
                <h3>Small numbers</h3>
                {small.length === 0 ? (
                  <p>No verdict rests on fewer students than the minimum n.</p>
                ) : (
                  <ul>
                    {small.map((line) => (
                      <li
                        data-small-line={`${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`}
                      >{`${line.scope} ${line.subjectId}, ${line.metric}, year ${line.contractYear}: n = ${formatValue(line.reading?.denominator)}, fewer than the minimum n`}</li>
                    ))}
                  </ul>
                )}
              </section>

              <section aria-labelledby="review-leading">
                <h2 id="review-leading">6. Leading indicators</h2>
                <p>
                  Attendance, chronic absence, staffing and the catalogue's indicators by school year up to year {view.year}, for the cluster and each school
                  shown, beside the contract's target for that subject and year where it has one.
                </p>
                {view.leading.length === 0 ? <p>No leading indicator is shown to this reader.</p> : <LeadingTable subjects={view.leading} link={link} />}
              </section>

              <section aria-labelledby="review-record">
                <h2 id="review-record">7. What the record shows</h2>
                <p>By the cluster's line of each metric, as the contract's terms judge it; facts, not a recommendation.</p>
                {view.record.length === 0 ? <p>No cluster line to count yet.</p> : <RecordTable record={view.record} />}
              </section>
            </td>
          </tr>
        </tbody>
      </table>
    </article>
  );
}

/** A target's terms in words: `absolute 0.94`, `gap_closure 0.25 (goal: stateAverage)`. */
const termsWords = (terms: { kind: string; value: number; goal?: number | 'stateAverage' }): string =>
  `${terms.kind} ${formatValue(terms.value)}${terms.goal === undefined ? '' : ` (goal: ${typeof terms.goal === 'number' ? formatValue(terms.goal) : terms.goal})`}`;

const targetWords = (target: { metric: string; scope: string; contractYear: number }): string =>
  `${target.metric} ${target.scope} target of year ${target.contractYear}`;

/** What one change did, target by target: set (new), changed (from the terms it replaced), withdrawn; a signing, how many targets it set. */
function whatChangeDid(change: ContractChange): string[] {
  if (change.change === 'signed') return [`signed with ${change.targets.length} target${change.targets.length === 1 ? '' : 's'}`];
  const words = change.targets.map((target) =>
    target.before === null
      ? `set the ${targetWords(target)}: ${termsWords(target)}`
      : `changed the ${targetWords(target)} from ${termsWords(target.before)} to ${termsWords(target)}`,
  );
  words.push(...change.removed.map((target) => `withdrew the ${targetWords(target)}`));
  if (change.additionalYears !== null) words.unshift(`added ${change.additionalYears} contract year${change.additionalYears === 1 ? '' : 's'}`);
  if (change.change === 'terminated') words.push('ended the contract');
  return words;
}

/** A contract's changes (the review's section 1, the progress report's month): each with when the service learned of it, why, and what it did. */
export function ChangesTable({ history, caption }: { history: ContractChange[]; caption: string }) {
  return (
    <table class="usa-table usa-table--borderless review__changes">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Change</th>
          <th scope="col">Recorded</th>
          <th scope="col">Why</th>
          <th scope="col">What it did</th>
        </tr>
      </thead>
      <tbody>
        {history.map((change) => (
          <tr data-change={change.label}>
            <th scope="row">{change.label}</th>
            <td>{day(change.knownAt)}</td>
            <td>{change.reason ?? (change.change === 'signed' ? 'the contract as signed' : 'no reason recorded')}</td>
            <td>
              <ul class="review__change-list">
                {whatChangeDid(change).map((words) => (
                  <li>{words}</li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Each final value that a later feed replaced or a retraction removed: before and after, and when. */
function RestatementsTable({ rows }: { rows: Restatement[] }) {
  return (
    <table class="usa-table usa-table--borderless review__restatements">
      <caption>Final values restated later, oldest first</caption>
      <thead>
        <tr>
          <th scope="col">School</th>
          <th scope="col">Metric and school year</th>
          <th scope="col">Final since</th>
          <th scope="col">Restated on</th>
          <th scope="col">Final value (n)</th>
          <th scope="col">Restated value (n)</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr data-restatement={`${row.schoolId}|${row.metric}|${row.schoolYear}`}>
            <th scope="row">{row.schoolId}</th>
            <td>{`${row.metric}, ${row.schoolYear}`}</td>
            <td>{day(row.finalSince)}</td>
            <td>{day(row.restatedAt)}</td>
            <td data-value={rateOf(row.before) ?? ''}>{`${formatValue(rateOf(row.before))} (${formatValue(row.before.denominator)})`}</td>
            {row.after === null ? (
              <td data-value="">removed (retracted)</td>
            ) : (
              <td data-value={rateOf(row.after) ?? ''}>{`${formatValue(rateOf(row.after))} (${formatValue(row.after.denominator)})`}</td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function VerdictTable({ lines, year, link }: { lines: ReviewLine[]; year: number; link: (path: string) => string }) {
  return (
    <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-label="Verdicts">
      <table class="usa-table usa-table--borderless review__verdicts">
        <caption>{`Every target of contract years 1 to ${year}: target, actual, n, status and the alerts raised on it`}</caption>
        <thead>
          <tr>
            <th scope="col">Year</th>
            <th scope="col">Subject</th>
            <th scope="col">Metric</th>
            <th scope="col">Target</th>
            <th scope="col">Actual</th>
            <th scope="col">n</th>
            <th scope="col">Status</th>
            <th scope="col">Alerts</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr data-scope={line.scope} data-subject={line.subjectId} data-metric={line.metric} data-contract-year={line.contractYear}>
              <td>
                {line.contractYear} ({line.schoolYear})
              </td>
              <td>
                <a
                  href={link(`/${line.scope === 'school' ? 'schools' : 'clusters'}/${encodeURIComponent(line.subjectId)}`)}
                >{`${line.scope} ${line.subjectId}`}</a>
                {line.kind === 'school_majority' && <span class="detail">majority of schools</span>}
              </td>
              <td>{line.metric}</td>
              <td data-value={line.threshold ?? ''}>
                {formatValue(line.threshold)}
                {line.target && <span class="detail">{`${line.kind.replace('_', ' ')}, set by ${setByWords(line.setBy ?? null)}`}</span>}
              </td>
              <td data-value={line.actual ?? ''}>
                {formatValue(line.actual)}
                {line.evidence === 'leading' && <span class="detail">leading evidence</span>}
              </td>
              <td data-value={line.reading?.denominator ?? ''}>{line.reading?.withheld ? 'withheld' : formatValue(line.reading?.denominator)}</td>
              <td>
                <StatusTag status={line.status} />
                {line.reason && <span class="detail">{line.reason}</span>}
              </td>
              <td data-alerts={line.alerts.length}>
                {line.alerts.length === 0
                  ? 'none'
                  : line.alerts.map((alert) => (
                      <span class="detail" data-alert={alert.alertId}>
                        <a href={link(`/alerts/${encodeURIComponent(alert.alertId)}`)}>{`${alert.checkpoint.replace('_', ' ')} (${alert.severity})`}</a>
                        {`: ${alert.history.map((state) => `${state.status} ${day(state.knownAt)}`).join(', ')}`}
                      </span>
                    ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CoverageTable({ rows }: { rows: SchoolFeedCoverage[] }) {
  return rows.length === 0 ? (
    <p>No watched feed of the contract's schools.</p>
  ) : (
    <table class="usa-table usa-table--borderless review__coverage">
      <caption>Each school's watched feeds on the review's date: the last period received and whether the next is overdue</caption>
      <thead>
        <tr>
          <th scope="col">School</th>
          <th scope="col">Feed</th>
          <th scope="col">Last period received</th>
          <th scope="col">Overdue</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr data-school={row.schoolId} data-feed={row.feed}>
            <th scope="row">{row.name}</th>
            <td>{row.feed}</td>
            <td>{row.lastPeriodEnd ?? 'none yet'}</td>
            <td data-overdue={String(row.overdue)}>{row.overdue ? `yes, ${row.daysOverdue} days` : 'no'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const TIMING_WORDS: Record<MetricRecord['years'][number]['warning'], string> = {
  before: 'the early warning came before the result',
  after: 'the early warning came after the result',
  'no warning': 'no early warning',
  'not final yet': 'no final result yet',
};

function RecordTable({ record }: { record: MetricRecord[] }) {
  const years = (list: number[]) => (list.length === 0 ? 'none' : list.join(', '));
  return (
    <table class="usa-table usa-table--borderless review__record">
      <caption>Per metric: the contract years met and missed, the longest run of misses, and each year's early warning against its result</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Years met</th>
          <th scope="col">Years missed</th>
          <th scope="col">Consecutive misses</th>
          <th scope="col">Early warnings</th>
        </tr>
      </thead>
      <tbody>
        {record.map((metric) => (
          <tr data-record={metric.metric}>
            <th scope="row">{metric.metric}</th>
            <td data-met={metric.met.join(' ')}>{years(metric.met)}</td>
            <td data-missed={metric.missed.join(' ')}>{years(metric.missed)}</td>
            <td data-value={metric.consecutiveMisses}>{metric.consecutiveMisses}</td>
            <td>{metric.years.map((year) => `year ${year.contractYear}: ${TIMING_WORDS[year.warning]}`).join('; ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A figure and its 95% interval in one cell, in the metric's unit; each number also in a data attribute, as the API gives it. */
function FigureCell({ estimate, definition }: { estimate: Estimate | undefined; definition: MetricDefinition | undefined }) {
  if (!estimate)
    return (
      <td data-value="" data-lower="" data-upper="">
        –
      </td>
    );
  const number = (value: number) => changeWords(value, definition).split(' ')[0];
  return (
    <td data-value={estimate.value} data-lower={estimate.ci95?.lower ?? ''} data-upper={estimate.ci95?.upper ?? ''}>
      {number(estimate.value)}
      <span class="detail">{estimate.ci95 ? `${number(estimate.ci95.lower)} to ${number(estimate.ci95.upper)}` : 'no interval'}</span>
    </td>
  );
}

/** A figure's schools, cluster / comparison. */
function SchoolsCell({ schools }: { schools: SchoolCounts | undefined }) {
  return (
    <td data-treated={schools?.treated ?? ''} data-comparison-schools={schools?.comparison ?? ''}>
      {schools ? `${schools.treated} / ${schools.comparison}` : '–'}
    </td>
  );
}

/** The too-few-schools marks of a figure, in words. */
function shortfalls(name: string, estimate: Estimate | undefined): string[] {
  if (!estimate) return [];
  return [
    estimate.insufficient && `${name}: too few schools (${estimate.insufficient.have} of ${estimate.insufficient.needed})`,
    estimate.intervalInsufficient && `${name} interval: too few schools (${estimate.intervalInsufficient.have} of ${estimate.intervalInsufficient.needed})`,
  ].filter((mark): mark is string => Boolean(mark));
}

function ComparisonTable({ comparison }: { comparison: MetricComparison }) {
  // The unit the figures are in: what changeWords writes after the number (nothing for a plain ratio).
  const unit = changeWords(0, comparison.definition).replace(/^\S+ ?/, '');
  return (
    <div class="review__comparison" data-comparison={comparison.metric}>
      <table class="usa-table usa-table--borderless review__comparisons">
        <caption>{`${comparison.metric}: the cluster's schools against ${comparison.comparisonSchools} never-treated comparison schools by contract year${unit ? `, in ${unit}` : ''}, each figure above its 95% interval, as known ${day(comparison.asOf)}`}</caption>
        <thead>
          <tr>
            <th scope="col">Contract year</th>
            <th scope="col">Years compared</th>
            <th scope="col">n (cluster / comparison)</th>
            <th scope="col">Difference in differences</th>
            <th scope="col">ATT</th>
            <th scope="col">ATT n (cluster / comparison)</th>
            <th scope="col">Too few schools</th>
          </tr>
        </thead>
        <tbody>
          {comparison.years.map((entry) => {
            const cell = entry.differenceInDifferences;
            const marks = [...shortfalls('difference', cell?.differenceInDifferences), ...shortfalls('ATT', entry.att?.att)];
            return (
              <tr data-comparison-year={entry.contractYear}>
                <th scope="row">
                  {entry.contractYear} ({entry.schoolYear})
                </th>
                <td>{cell ? cell.years.map((calendarYear) => schoolYearStartingIn(calendarYear - 1)).join(' and ') : 'none yet'}</td>
                <SchoolsCell schools={cell?.schools} />
                <FigureCell estimate={cell?.differenceInDifferences} definition={comparison.definition} />
                <FigureCell estimate={entry.att?.att} definition={comparison.definition} />
                <SchoolsCell schools={entry.att?.schools} />
                <td>{marks.length === 0 ? (cell || entry.att ? 'no' : '–') : marks.map((mark) => <span class="detail">{mark}</span>)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="review__sentence" data-comparison-sentence={comparison.metric}>
        {comparison.sentence}
      </p>
    </div>
  );
}

function LeadingTable({ subjects, link }: { subjects: LeadingSubject[]; link: (path: string) => string }) {
  const rows = subjects.flatMap((subject) => subject.rows.map((row) => ({ subject, row })));
  const without = subjects.filter((subject) => subject.rows.length === 0).map((subject) => `${subject.scope} ${subject.subjectId}`);
  return (
    <>
      {rows.length > 0 && (
        <table class="usa-table usa-table--borderless review__leading">
          <caption>Leading indicators by subject and school year: value, n and the contract's target for that subject and year where it has one</caption>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Metric</th>
              <th scope="col">School year</th>
              <th scope="col">Value</th>
              <th scope="col">n</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ subject, row }) => (
              <tr data-leading={`${subject.scope}|${subject.subjectId}|${row.metric}|${row.schoolYear}`}>
                <th scope="row">
                  <a
                    href={link(`/${subject.scope === 'school' ? 'schools' : 'clusters'}/${encodeURIComponent(subject.subjectId)}`)}
                  >{`${subject.scope} ${subject.subjectId}`}</a>
                </th>
                <td>{row.metric}</td>
                <td>{row.schoolYear}</td>
                <td data-value={row.reading.rate ?? ''}>
                  {row.reading.withheld ? 'withheld' : formatValue(row.reading.rate)}
                  {row.reading.final === false && <span class="detail">year to date</span>}
                  {row.reading.smallNumber && !row.reading.withheld && <span class="detail">fewer than the minimum n</span>}
                </td>
                <td data-value={row.reading.denominator ?? ''}>{row.reading.withheld ? 'withheld' : formatValue(row.reading.denominator)}</td>
                <td data-value={row.target ?? ''}>{row.target === null ? 'none' : formatValue(row.target)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {without.length > 0 && <p>{`No leading indicator yet: ${without.join(', ')}.`}</p>}
    </>
  );
}
