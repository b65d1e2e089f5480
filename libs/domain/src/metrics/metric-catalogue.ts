import type { FeedKind } from '../events/feed-events';
import { IndicatorCatalogue, IndicatorKind, MetricDirection } from './indicator-catalogue';
import { SubjectCatalogue } from './subject-catalogue';

/**
 * The one metric definition table (docs/metrics.md). Every metric is a ratio of a
 * numerator to a denominator so that roll-ups can sum both; nothing here averages rates.
 * Contract validation, projections, the API and the dashboards all read this table.
 */
export type MetricSource = 'assessment' | 'attendance' | 'staffing' | 'indicator';

export interface MetricFamily {
  family: string;
  /** Families such as `proficiency.{subject}` take a name after the dot. */
  parameter?: 'subject' | 'indicator';
  source: MetricSource;
  /** `per_indicator`: each indicator's own, from the indicator catalogue. */
  direction: MetricDirection | 'per_indicator';
  /** A rate lies in [0, 1]; a scale score does not. `per_indicator`: each indicator's kind says. */
  isRate: boolean | 'per_indicator';
  numerator: string;
  denominator: string;
  /** Which records of the year count, and when the year's value is final. */
  window: string;
}

const STAFFING_WINDOW = 'the latest report of the year; final with a June report or any report of a later year';

export const METRIC_FAMILIES: readonly MetricFamily[] = [
  {
    family: 'proficiency',
    parameter: 'subject',
    source: 'assessment',
    direction: 'higher_is_better',
    isRate: true,
    numerator: 'proficient (spring or annual window, group all)',
    denominator: 'tested',
    window: 'the spring or annual results; final when they exist',
  },
  {
    family: 'scale_score',
    parameter: 'subject',
    source: 'assessment',
    direction: 'higher_is_better',
    isRate: false,
    numerator: 'sum of mean scale score x tested',
    denominator: 'tested',
    window: 'the spring or annual results; final when they exist',
  },
  {
    family: 'interim_proficiency',
    parameter: 'subject',
    source: 'assessment',
    direction: 'higher_is_better',
    isRate: true,
    numerator: 'proficient (fall or winter window, group all)',
    denominator: 'tested',
    window: 'the latest interim window; final with the winter results',
  },
  {
    family: 'attendance_rate',
    source: 'attendance',
    direction: 'higher_is_better',
    isRate: true,
    numerator: 'attendance days, year to date',
    denominator: 'membership days, year to date',
    window: 'every reported period so far; final when the periods reach June 30',
  },
  {
    family: 'chronic_absence_rate',
    source: 'attendance',
    direction: 'lower_is_better',
    isRate: true,
    numerator: 'chronically absent students',
    denominator: 'enrollment',
    window: 'the latest period that counts them; final when the periods reach June 30',
  },
  {
    family: 'teacher_retention_rate',
    source: 'staffing',
    direction: 'higher_is_better',
    isRate: true,
    numerator: 'teachers returning',
    denominator: 'teachers of the prior year',
    window: STAFFING_WINDOW,
  },
  {
    family: 'vacancy_rate',
    source: 'staffing',
    direction: 'lower_is_better',
    isRate: true,
    numerator: 'vacancies',
    denominator: 'teachers + vacancies',
    window: STAFFING_WINDOW,
  },
  {
    family: 'new_teacher_share',
    source: 'staffing',
    direction: 'higher_is_better',
    isRate: true,
    numerator: 'new hires',
    denominator: 'teachers',
    window: STAFFING_WINDOW,
  },
  {
    family: 'teacher_attendance_rate',
    source: 'staffing',
    direction: 'higher_is_better',
    isRate: true,
    numerator: 'teacher work days - teacher absence days',
    denominator: 'teacher work days',
    window: STAFFING_WINDOW,
  },
  {
    family: 'indicator',
    parameter: 'indicator',
    source: 'indicator',
    direction: 'per_indicator',
    isRate: 'per_indicator',
    numerator: 'reported numerator',
    denominator: 'reported denominator (1 for a count: the numerator alone)',
    window: "the year's report; always final",
  },
];

export interface MetricDefinition extends Omit<MetricFamily, 'direction' | 'isRate'> {
  /** The full metric name, e.g. `proficiency.math`. */
  metric: string;
  /** The subject or indicator name, when the family takes one. */
  argument?: string;
  /** Absent for an uncatalogued indicator only: nothing says which way is better, so it takes no target. */
  direction?: MetricDirection;
  isRate: boolean;
  /** An indicator's kind from the catalogue. */
  indicatorKind?: IndicatorKind;
  /** A count's unit (`minutes`), in which its targets are written. */
  unit?: string;
  /**
   * An indicator or subject its catalogue does not know: stored and shown, flagged, never a
   * target, and not named in a research request (`metricNameIssue`).
   */
  uncatalogued?: true;
}

const NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The catalogues a metric name is resolved against: read once at start-up (libs/feeds,
 * `loadMetricCatalogues`) and passed to whatever resolves a name, never held by the process,
 * so that a test or a replay says which catalogues it judges by.
 */
export interface MetricCatalogues {
  indicators: IndicatorCatalogue;
  subjects: SubjectCatalogue;
}

/**
 * The family of a well-formed metric name and the name after its dot, whatever the catalogues
 * hold: what a name's feed, its leading metric and its well-formedness depend on. Undefined
 * when the name fits no family.
 */
export function metricFamilyOf(metric: string): { family: MetricFamily; argument?: string } | undefined {
  const dot = metric.indexOf('.');
  const familyName = dot < 0 ? metric : metric.slice(0, dot);
  const argument = dot < 0 ? undefined : metric.slice(dot + 1);
  const family = METRIC_FAMILIES.find((candidate) => candidate.family === familyName);
  if (!family) return undefined;
  if (family.parameter === undefined) return argument === undefined ? { family } : undefined;
  return argument !== undefined && NAME.test(argument) ? { family, argument } : undefined;
}

/**
 * Resolves a metric name against the table, an indicator or a subject against its catalogue;
 * undefined when it names no known metric. Any well-formed `indicator.{name}` or
 * `proficiency.{subject}` resolves (its feed is stored and shown), flagged `uncatalogued` when
 * its catalogue does not know it.
 */
export function metricDefinition(metric: string, catalogues: MetricCatalogues): MetricDefinition | undefined {
  const named = metricFamilyOf(metric);
  if (!named) return undefined;
  const { family, argument } = named;
  if (argument === undefined) return { ...(family as MetricFamily & FixedFamily), metric };
  if (family.parameter !== 'indicator')
    return { ...(family as MetricFamily & FixedFamily), metric, argument, ...(catalogues.subjects.get(argument) ? {} : { uncatalogued: true as const }) };
  const entry = catalogues.indicators.get(argument);
  const { direction: _direction, isRate: _isRate, ...common } = family;
  if (!entry) return { ...common, metric, argument, isRate: false, uncatalogued: true };
  return {
    ...common,
    metric,
    argument,
    direction: entry.direction,
    isRate: entry.kind === 'rate',
    indicatorKind: entry.kind,
    ...(entry.unit === undefined ? {} : { unit: entry.unit }),
  };
}

/** Every family but `indicator` says its direction and whether it is a rate itself. */
type FixedFamily = { direction: MetricDirection; isRate: boolean };

/**
 * The feed whose records a metric is computed from (undefined for a name the table does not
 * know). A feed's metrics come from that feed's records alone, so the metrics projection
 * recomputes only the feeds of a school year whose records changed.
 */
export function feedOfMetric(metric: string): FeedKind | undefined {
  const source = metricFamilyOf(metric)?.family.source;
  return source === 'indicator' ? 'indicators' : source;
}

export const METRIC_NAME_HINT =
  'expected a known metric: ' + METRIC_FAMILIES.map((family) => (family.parameter ? `${family.family}.{${family.parameter}}` : family.family)).join(', ');
