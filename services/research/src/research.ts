import {
  EARLIEST_YEAR,
  LATEST_YEAR,
  MetricCatalogues,
  PanelRow,
  ProofPointGrouping,
  proofPointObservations,
  ProofPointObservation,
  proofPoints,
  ProofPointWeights,
  requireCataloguedMetrics,
  researchPanel,
  ResearchPanel,
  SchoolYear,
  schoolYearProblem,
  schoolYearStartingIn,
  ValidationError,
} from '@turnaround/domain';
import { parseAsOf, ResearchQueries } from '@turnaround/read-model';
import { PanelRequest, ProofPointAnswer, ProofPointRequest } from '@turnaround/platform';
import { PANEL_FILE_TYPES, panelFormat, PanelFormat } from '@turnaround/research';

/** The requests' shapes are the port's (libs/platform), which the web app calls too. */
export type { PanelRequest, ProofPointAnswer, ProofPointRequest };

/**
 * The researchers' two requests (docs/research.md), shared by the HTTP API and the CLI on
 * the embedded database: the school x year panel, and the proof-point statistics. Each reads
 * as known at one knowledge time, fixed when the request comes: the `asOf` asked, or now. So a
 * request recorded with its `asOf` can be made again and gives the same answer.
 */

export interface PanelParameters {
  /** The metrics asked; null asks for every metric with a value known at `asOf`. */
  metrics: string[] | null;
  from: SchoolYear | null;
  to: SchoolYear | null;
  asOf: Date;
  format: PanelFormat;
}

/** How a parameter is named to the caller: `asOf` over HTTP, `--as-of` on the command line. */
export type ParameterName = (parameter: string) => string;
const asQueried: ParameterName = (parameter) => parameter;

/** `catalogues`: the process's, which the metrics asked must be in. */
export function panelParameters(request: PanelRequest, now: Date, catalogues: MetricCatalogues, name: ParameterName = asQueried): PanelParameters {
  // Commas separate the names; spaces too (`metrics=a+b` in a URL), as no metric name holds one.
  const metrics = (request.metrics ?? '').split(/[\s,]+/).filter((metric) => metric !== '');
  requireCataloguedMetrics(
    metrics.map((metric, index) => ({ field: `${name('metrics')}.${index}`, metric })),
    catalogues,
  );
  const from = panelYear(request.from, name('from'));
  const to = panelYear(request.to, name('to'));
  if (from !== null && to !== null && to < from)
    throw ValidationError.of(name('to'), `expected a school year no earlier than ${name('from')} (${from}), got ${to}`);
  return {
    metrics: metrics.length === 0 ? null : metrics,
    from,
    to,
    asOf: parseAsOf(request.asOf, name('asOf')) ?? now,
    format: request.format === undefined || request.format === '' ? 'csv' : formatOf(request.format, name('format')),
  };
}

/** A school year written 2024-25, or the panel's `year` (the calendar year it ends in): 2025. */
function panelYear(text: string | undefined, field: string): SchoolYear | null {
  if (text === undefined || text === '') return null;
  const endYear = /^\d{4}$/.test(text) ? Number(text) : undefined;
  if (endYear !== undefined && (endYear <= EARLIEST_YEAR || endYear > LATEST_YEAR))
    throw ValidationError.of(
      field,
      `expected a school year such as 2024-25, or the year it ends in from ${EARLIEST_YEAR + 1} to ${LATEST_YEAR}, got '${text}'`,
    );
  const year = endYear === undefined ? text : schoolYearStartingIn(endYear - 1);
  if (!/^\d{4}-\d{2}$/.test(year)) throw ValidationError.of(field, `expected a school year such as 2024-25, or the year it ends in (2025), got '${text}'`);
  const problem = schoolYearProblem(year);
  if (problem) throw ValidationError.of(field, `${problem}, got '${text}'`);
  return year;
}

function formatOf(text: string, field: string): PanelFormat {
  try {
    return panelFormat(text);
  } catch (error) {
    throw error instanceof ValidationError ? new ValidationError(error.issues.map((issue) => ({ ...issue, field }))) : error;
  }
}

/** What a request asked, for the audit: the parameters after validation, the metrics as the panel holds them. */
export function recordedPanelParameters(parameters: PanelParameters, metrics: readonly string[]): Record<string, unknown> {
  return { metrics, metricsAsked: parameters.metrics !== null, from: parameters.from, to: parameters.to, format: parameters.format };
}

export interface OpenedPanel {
  panel: ResearchPanel;
  metrics: string[];
  /** The rows, school by school, read page by page as they are written. */
  rows(): AsyncGenerator<PanelRow>;
}

/**
 * Builds the panel's columns and treatment as known at `asOf`; its rows are read when iterated.
 * `catalogues`: the process's, which say what each metric's columns hold.
 */
export async function openPanel(
  queries: ResearchQueries,
  nMin: number,
  catalogues: MetricCatalogues,
  parameters: PanelParameters,
  name: ParameterName = asQueried,
): Promise<OpenedPanel> {
  const metrics = parameters.metrics ?? (await queries.metricsKnown(parameters.asOf));
  if (metrics.length === 0)
    throw ValidationError.of(
      name('metrics'),
      `no school had a metric value as of ${parameters.asOf.toISOString()}: name the metrics, or ask as of a later time`,
    );
  const treatment = await queries.treatment(parameters.asOf);
  const panel = withParameterNames(name, () => researchPanel({ metrics, nMin, catalogues, ...treatment }));
  const query = { asOf: parameters.asOf, metrics, from: parameters.from ?? undefined, to: parameters.to ?? undefined };
  return {
    panel,
    metrics,
    async *rows() {
      for await (const { school, values } of queries.schools(query)) yield* panel.rowsOfSchool(school, values);
    },
  };
}

/** `turnaround-panel-20250301t000000z.dta`: what the panel is and as of when, in its file name. */
export function panelFileName(parameters: Pick<PanelParameters, 'asOf' | 'format'>): string {
  return `turnaround-panel-${compactTime(parameters.asOf)}.${PANEL_FILE_TYPES[parameters.format].extension}`;
}

/** The .dta data label: what the file holds, as of when (Stata shows it with `describe`). */
export function panelDataLabel(asOf: Date): string {
  return `turnaround-monitor research panel as of ${asOf.toISOString()}`;
}

function compactTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase() + 'z';
}

export interface ProofPointParameters {
  metric: string;
  groupBy: ProofPointGrouping;
  weights: ProofPointWeights;
  asOf: Date;
}

const GROUPINGS: readonly ProofPointGrouping[] = ['cluster', 'zone', 'partner', 'cohort'];

/** `catalogues`: the process's, which the metric asked must be in. */
export function proofPointParameters(
  request: ProofPointRequest,
  now: Date,
  catalogues: MetricCatalogues,
  name: ParameterName = asQueried,
): ProofPointParameters {
  const metric = request.metric?.trim() ?? '';
  if (metric === '') throw ValidationError.of(name('metric'), 'expected the metric to analyse, e.g. proficiency.math');
  requireCataloguedMetrics([{ field: name('metric'), metric }], catalogues);
  const group = request.group === undefined || request.group === '' ? 'zone' : request.group;
  const groupBy = GROUPINGS.find((candidate) => candidate === group);
  if (!groupBy) throw ValidationError.of(name('group'), `expected one of ${GROUPINGS.join(', ')}, got '${group}'`);
  const weights = request.weights === undefined || request.weights === '' || request.weights === 'none' ? 'none' : request.weights;
  if (weights !== 'none' && weights !== 'n')
    throw ValidationError.of(name('weights'), `expected n (weight each school by its denominator in the base year) or none, got '${weights}'`);
  return { metric, groupBy, weights, asOf: parseAsOf(request.asOf, name('asOf')) ?? now };
}

/**
 * Every proof-point figure of the metric, as known at `asOf`: the panel narrowed to one metric
 * (a few values per school, so a whole state fits), then the domain's statistics.
 */
export async function analyseProofPoints(
  queries: ResearchQueries,
  nMin: number,
  catalogues: MetricCatalogues,
  parameters: ProofPointParameters,
  name: ParameterName = asQueried,
): Promise<ProofPointAnswer> {
  const { panel, rows } = await openPanel(
    queries,
    nMin,
    catalogues,
    { metrics: [parameters.metric], from: null, to: null, asOf: parameters.asOf, format: 'csv' },
    name,
  );
  const observations: ProofPointObservation[] = [];
  for await (const row of rows()) observations.push(...proofPointObservations(panel, [row], parameters.metric));
  return {
    metric: parameters.metric,
    asOf: parameters.asOf.toISOString(),
    ...proofPoints(observations, { groupBy: parameters.groupBy, weights: parameters.weights }),
  };
}

/** The domain names a parameter by its own name (`metrics.0`); the caller knows it as `metrics.0` or `--metrics.0`. */
function withParameterNames<T>(name: ParameterName, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.issues.map((issue) => {
        const [parameter, ...rest] = issue.field.split('.');
        return { ...issue, field: [name(parameter), ...rest].join('.') };
      }),
    );
  }
}
