import type { ComponentChildren } from 'preact';
import { Estimate, FieldIssue, GroupProofPoints, MINIMUM_SCHOOLS, PROOF_POINT_DEFAULTS, SchoolCounts } from '@turnaround/domain';
import { ProofPointAnswer } from '@turnaround/platform';
import { PANEL_FORMATS, PanelFormat } from '@turnaround/research';
import { formatValue } from '../views/parts';

/** The panel form as the researcher filled it in: the API's parameters, the metrics as picked. */
export interface PanelForm {
  metrics: string[];
  from?: string;
  to?: string;
  asOf?: string;
  format?: string;
}

export interface ProofPointForm {
  metric?: string;
  group?: string;
  weights?: string;
  asOf?: string;
}

/** Each picked metric is a checkbox of its own name (`metric.proficiency.math`): a repeated query parameter is refused by every route. */
export const METRIC_FIELD = 'metric.';

const FORMAT_WORDS: Record<PanelFormat, string> = { csv: 'CSV', parquet: 'Parquet', dta: 'Stata (.dta, with variable labels)' };
const GROUP_WORDS: Record<string, string> = { zone: 'Zone', cluster: 'Cluster', partner: 'Partner', cohort: 'Cohort (first treatment year)' };
const WEIGHT_WORDS: Record<string, string> = { none: 'Unweighted: each school counts once', n: 'By n: each school by its denominator in the base year' };

/**
 * The API's refusal, field by field, as USWDS's validation pattern shows it: a summary at the
 * top that links to each field, and the message beside the field. A field is the first part of
 * the API's name for it (`metrics.1` is the metrics picker).
 */
function ErrorSummary({ issues }: { issues: FieldIssue[] }) {
  return (
    <div class="usa-alert usa-alert--error" role="alert" data-issues>
      <div class="usa-alert__body">
        <h2 class="usa-alert__heading">The request was refused</h2>
        <ul class="usa-list">
          {issues.map((issue) => (
            <li data-field={issue.field}>
              <a href={`#${fieldOf(issue)}`}>
                {issue.field}: {issue.message}
              </a>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

const fieldOf = (issue: FieldIssue): string => issue.field.split('.')[0];

/** A labelled field with its hint and, when the API named it, its messages. */
function Field({
  id,
  label,
  hint,
  issues,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  issues: FieldIssue[];
  children: (describedBy: string | undefined, invalid: boolean) => ComponentChildren;
}) {
  const own = issues.filter((issue) => fieldOf(issue) === id);
  const describedBy = [hint ? `${id}-hint` : '', own.length > 0 ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`usa-form-group${own.length > 0 ? ' usa-form-group--error' : ''}`}>
      <label class="usa-label" for={id}>
        {label}
      </label>
      {hint && (
        <span class="usa-hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {own.length > 0 && (
        <span class="usa-error-message" id={`${id}-error`}>
          {own.map((issue) => issue.message).join('; ')}
        </span>
      )}
      {children(describedBy, own.length > 0)}
    </div>
  );
}

function AsOfField({ value, issues }: { value?: string; issues: FieldIssue[] }) {
  return (
    <Field id="asOf" label="As known on" hint="the start of the day (UTC); empty for now" issues={issues}>
      {(describedBy, invalid) => (
        <input
          class={`usa-input${invalid ? ' usa-input--error' : ''}`}
          id="asOf"
          name="asOf"
          type="date"
          value={value?.slice(0, 10)}
          aria-describedby={describedBy}
          aria-invalid={invalid ? 'true' : undefined}
        />
      )}
    </Field>
  );
}

/**
 * The researcher's export: metrics, school years, as-of date and format, sent by GET to the
 * same request as `GET /api/v1/research/panel` (a link to the file works without script), and
 * the codebook of the same metrics and date by the second button.
 */
export function ResearchPage({ metrics, form, issues = [] }: { metrics: string[]; form: PanelForm; issues?: FieldIssue[] }) {
  const metricIssues = issues.filter((issue) => fieldOf(issue) === 'metrics');
  return (
    <>
      <h1>Research panel</h1>
      <p>
        One row per school and school year, for every school with feed data (zone or not): ids, treatment as of that year (with the never-treated codings R{' '}
        <code>did</code>, Stata <code>csdid</code>, <code>fixest::sunab</code> and R <code>staggered</code> expect), and per metric its value, numerator,
        denominator and small-number flags. The file and its codebook are the API's (<code>GET /api/v1/research/panel</code>), and each export is recorded for
        the State Turnaround Office.
      </p>
      <p>
        <a href="/research/proof-points">Proof points</a>: gains, difference in differences and group-time effects of a metric, with intervals.
      </p>
      {issues.length > 0 && <ErrorSummary issues={issues} />}
      <form method="get" action="/research/panel" class="usa-form usa-form--large" novalidate>
        <fieldset
          class={`usa-fieldset usa-form-group${metricIssues.length > 0 ? ' usa-form-group--error' : ''}`}
          id="metrics"
          aria-describedby={metricIssues.length > 0 ? 'metrics-hint metrics-error' : 'metrics-hint'}
        >
          <legend class="usa-legend">Metrics</legend>
          <span class="usa-hint" id="metrics-hint">
            none picked: every metric with a value known on the date
          </span>
          {metricIssues.length > 0 && (
            <span class="usa-error-message" id="metrics-error">
              {metricIssues.map((issue) => issue.message).join('; ')}
            </span>
          )}
          {metrics.length === 0 && <p>No school has a metric value yet.</p>}
          {metrics.map((metric, index) => (
            <div class="usa-checkbox">
              <input
                class="usa-checkbox__input"
                id={`metric-${index}`}
                type="checkbox"
                name={`${METRIC_FIELD}${metric}`}
                value="on"
                checked={form.metrics.includes(metric)}
              />
              <label class="usa-checkbox__label" for={`metric-${index}`}>
                {metric}
              </label>
            </div>
          ))}
        </fieldset>
        <Field id="from" label="First school year" hint="2022-23, or the year it ends in (2023); empty for the earliest" issues={issues}>
          {(describedBy, invalid) => (
            <input
              class={`usa-input usa-input--small${invalid ? ' usa-input--error' : ''}`}
              id="from"
              name="from"
              type="text"
              value={form.from}
              aria-describedby={describedBy}
              aria-invalid={invalid ? 'true' : undefined}
            />
          )}
        </Field>
        <Field id="to" label="Last school year" hint="2025-26, or 2026; empty for the latest" issues={issues}>
          {(describedBy, invalid) => (
            <input
              class={`usa-input usa-input--small${invalid ? ' usa-input--error' : ''}`}
              id="to"
              name="to"
              type="text"
              value={form.to}
              aria-describedby={describedBy}
              aria-invalid={invalid ? 'true' : undefined}
            />
          )}
        </Field>
        <AsOfField value={form.asOf} issues={issues} />
        <Field id="format" label="Format" issues={issues}>
          {(describedBy, invalid) => (
            <select
              class={`usa-select${invalid ? ' usa-input--error' : ''}`}
              id="format"
              name="format"
              aria-describedby={describedBy}
              aria-invalid={invalid ? 'true' : undefined}
            >
              {PANEL_FORMATS.map((format) => (
                <option value={format} selected={(form.format || 'csv') === format}>
                  {FORMAT_WORDS[format]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div>
          <button class="usa-button" type="submit">
            Download the panel
          </button>
          {/* The codebook takes the metrics and date only; the years and format are sent and left unread. */}
          <button class="usa-button usa-button--outline" type="submit" formaction="/research/panel/codebook">
            Download its codebook (CSV)
          </button>
        </div>
      </form>
    </>
  );
}

/**
 * Proof points of a metric for a grouping, as `GET /api/v1/research/proof-points` answers:
 * each figure with its n (schools on each side), years, bootstrap standard error and 95%
 * interval, and the mark where it counts fewer schools than it needs.
 */
export function ProofPointsPage({
  metrics,
  form,
  issues = [],
  answer,
}: {
  metrics: string[];
  form: ProofPointForm;
  issues?: FieldIssue[];
  answer?: ProofPointAnswer;
}) {
  return (
    <>
      <h1>Proof points</h1>
      <p>
        Did the schools of a zone, cluster, partner or cohort gain more than the schools never in a zone over the same years? A school counts where it has the
        metric in both years compared. Intervals come from {answer ? answer.draws : PROOF_POINT_DEFAULTS.draws} bootstrap draws that resample schools (seeded,
        so a run repeats). A figure marked <strong>too few schools</strong> counts fewer than it needs ({MINIMUM_SCHOOLS.att} a side for an effect,{' '}
        {MINIMUM_SCHOOLS.interval} a side for its interval); it is given all the same.
      </p>
      <p>
        <a href="/research">Research panel</a>: download the panel these figures are computed from.
      </p>
      {issues.length > 0 && <ErrorSummary issues={issues} />}
      <form method="get" action="/research/proof-points" class="usa-form usa-form--large" novalidate>
        <Field id="metric" label="Metric" issues={issues}>
          {(describedBy, invalid) => (
            <select
              class={`usa-select${invalid ? ' usa-input--error' : ''}`}
              id="metric"
              name="metric"
              aria-describedby={describedBy}
              aria-invalid={invalid ? 'true' : undefined}
            >
              {metrics.map((metric) => (
                <option value={metric} selected={form.metric === metric}>
                  {metric}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="group" label="Treated groups" hint="each compared with the never-treated schools" issues={issues}>
          {(describedBy, invalid) => (
            <select
              class={`usa-select${invalid ? ' usa-input--error' : ''}`}
              id="group"
              name="group"
              aria-describedby={describedBy}
              aria-invalid={invalid ? 'true' : undefined}
            >
              {Object.entries(GROUP_WORDS).map(([group, words]) => (
                <option value={group} selected={(form.group || 'zone') === group}>
                  {words}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="weights" label="School weights" issues={issues}>
          {(describedBy, invalid) => (
            <select
              class={`usa-select${invalid ? ' usa-input--error' : ''}`}
              id="weights"
              name="weights"
              aria-describedby={describedBy}
              aria-invalid={invalid ? 'true' : undefined}
            >
              {Object.entries(WEIGHT_WORDS).map(([weights, words]) => (
                <option value={weights} selected={(form.weights || 'none') === weights}>
                  {words}
                </option>
              ))}
            </select>
          )}
        </Field>
        <AsOfField value={form.asOf} issues={issues} />
        <button class="usa-button" type="submit">
          Compute
        </button>
      </form>
      {answer && <ProofPointResults answer={answer} />}
    </>
  );
}

function ProofPointResults({ answer }: { answer: ProofPointAnswer }) {
  return (
    <section aria-labelledby="results" data-metric={answer.metric} data-as-of={answer.asOf}>
      <h2 id="results">
        {answer.metric} by {answer.groupBy}
      </h2>
      <p>
        As known at {answer.asOf}; {answer.weights === 'n' ? 'schools weighted by n' : 'unweighted'}; seed {answer.seed}, {answer.draws} draws.
      </p>
      {answer.groups.length === 0 ? (
        <p>No treated group has the metric in two years to compare.</p>
      ) : (
        answer.groups.map((group) => <GroupResults group={group} />)
      )}
    </section>
  );
}

/** One group's figures: the overall effect, by event time, the 2x2 comparisons over the baseline, and ATT(g, t). */
function GroupResults({ group }: { group: GroupProofPoints }) {
  const name = `${group.groupBy} ${group.groupId}`;
  const id = `group-${group.groupBy}-${group.groupId}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return (
    <section aria-labelledby={id} class="proof-points" data-group={group.groupId}>
      <h3 id={id}>{name}</h3>
      <p>
        Cohorts: {group.cohorts.map((cohort) => `first treated ${cohort.firstTreatYear} (${cohort.schools} schools)`).join(', ') || 'none'};{' '}
        {group.comparisonSchools} comparison schools.
      </p>
      <table class="usa-table usa-table--borderless usa-table--compact" data-table="effects">
        <caption>{`Effects of ${name}: overall and by event time (years since first treatment), cohorts weighted by size`}</caption>
        <thead>
          <tr>
            <th scope="col">Effect</th>
            <th scope="col">Years</th>
            <EstimateHeads />
            <SchoolHeads />
          </tr>
        </thead>
        <tbody>
          {group.overall && (
            <tr data-row="overall">
              <th scope="row">Overall (event times {group.overall.eventTimes.join(', ')})</th>
              <td>{group.overall.years.join(', ')}</td>
              <EstimateCells estimate={group.overall.att} />
              <SchoolCells schools={group.overall.schools} />
            </tr>
          )}
          {group.eventTime.map((effect) => (
            <tr data-row={`event-${effect.eventTime}`}>
              <th scope="row">Event time {effect.eventTime}</th>
              <td>{effect.years.join(', ')}</td>
              <EstimateCells estimate={effect.att} />
              <SchoolCells schools={effect.schools} />
            </tr>
          ))}
        </tbody>
      </table>
      <table class="usa-table usa-table--borderless usa-table--compact" data-table="baseline">
        <caption>{`Gains over the year before treatment, ${name} against the comparison schools: difference in differences and Hedges' g`}</caption>
        <thead>
          <tr>
            <th scope="col">Cohort, year (baseline)</th>
            <th scope="col">Figure</th>
            <EstimateHeads />
            <SchoolHeads />
          </tr>
        </thead>
        <tbody>
          {group.baselineComparisons.flatMap((comparison) =>
            (
              [
                ['treated gain', comparison.treatedGain],
                ['comparison gain', comparison.comparisonGain],
                ['difference in differences', comparison.differenceInDifferences],
                ["Hedges' g", comparison.hedgesG],
              ] as const
            ).map(([figure, estimate]) => (
              <tr data-row={`baseline-${comparison.cohort}-${comparison.year}-${figure.replace(/[^a-z]+/gi, '-')}`}>
                <th scope="row">
                  {comparison.cohort}, {comparison.year} ({comparison.baselineYear})
                </th>
                <td>{figure}</td>
                {estimate ? <EstimateCells estimate={estimate} /> : <td colSpan={5}>no spread to compare (the gains do not vary)</td>}
                <SchoolCells schools={comparison.schools} />
              </tr>
            )),
          )}
        </tbody>
      </table>
      <table class="usa-table usa-table--borderless usa-table--compact" data-table="group-time">
        <caption>{`Group-time effects ATT(g, t) of ${name}: cohort g in year t against its base year`}</caption>
        <thead>
          <tr>
            <th scope="col">Cohort, year (base)</th>
            <th scope="col">Event time</th>
            <EstimateHeads />
            <SchoolHeads />
          </tr>
        </thead>
        <tbody>
          {group.groupTime.map((effect) => (
            <tr data-row={`att-${effect.cohort}-${effect.year}`}>
              <th scope="row">
                {effect.cohort}, {effect.year} ({effect.baseYear})
              </th>
              <td>{effect.eventTime}</td>
              <EstimateCells estimate={effect.att} />
              <SchoolCells schools={effect.schools} />
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function EstimateHeads() {
  return (
    <>
      <th scope="col">Value</th>
      <th scope="col">Standard error</th>
      <th scope="col">95% interval</th>
      <th scope="col">Draws</th>
      <th scope="col">Too few schools</th>
    </>
  );
}

function SchoolHeads() {
  return (
    <>
      <th scope="col">n treated</th>
      <th scope="col">n comparison</th>
    </>
  );
}

/** An estimate's cells; each number is also in a data attribute, as the API gives it. */
function EstimateCells({ estimate }: { estimate: Estimate }) {
  return (
    <>
      <td data-value={estimate.value}>{formatValue(estimate.value)}</td>
      <td data-value={estimate.standardError ?? ''}>{formatValue(estimate.standardError)}</td>
      <td data-lower={estimate.ci95?.lower ?? ''} data-upper={estimate.ci95?.upper ?? ''}>
        {estimate.ci95 ? `${formatValue(estimate.ci95.lower)} to ${formatValue(estimate.ci95.upper)}` : '–'}
      </td>
      <td data-value={estimate.draws}>{estimate.draws}</td>
      <td
        data-insufficient={estimate.insufficient ? `${estimate.insufficient.have}/${estimate.insufficient.needed}` : ''}
        data-interval-insufficient={estimate.intervalInsufficient ? `${estimate.intervalInsufficient.have}/${estimate.intervalInsufficient.needed}` : ''}
      >
        <ShortfallWords estimate={estimate} />
      </td>
    </>
  );
}

/** The too-few-schools marks in words: the value's, and the interval's (an interval needs more schools than a value). */
function ShortfallWords({ estimate }: { estimate: Estimate }) {
  const marks = [
    estimate.insufficient && `too few schools: ${estimate.insufficient.have} of ${estimate.insufficient.needed} a side`,
    estimate.intervalInsufficient && `too few for the interval: ${estimate.intervalInsufficient.have} of ${estimate.intervalInsufficient.needed} a side`,
  ].filter((mark): mark is string => Boolean(mark));
  if (marks.length === 0) return <>no</>;
  return (
    <>
      {marks.map((mark) => (
        <span class="usa-tag">{mark}</span>
      ))}
    </>
  );
}

function SchoolCells({ schools }: { schools: SchoolCounts }) {
  return (
    <>
      <td data-value={schools.treated}>{schools.treated}</td>
      <td data-value={schools.comparison}>{schools.comparison}</td>
    </>
  );
}
