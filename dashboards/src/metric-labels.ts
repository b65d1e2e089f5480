import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { IndicatorEntry, indicatorFileSchema, METRIC_FAMILIES } from '@turnaround/domain';

/**
 * The names people read for the metrics (`proficiency.math` is "Math proficiency"), built from
 * the metric table of the domain (libs/domain/src/metrics/metric-catalogue.ts): a family's own
 * name, or the name of its subject or indicator beside the family's. The metric pickers show
 * them while the SQL still gets the metric id (a Grafana variable's `__text` and `__value`).
 *
 * `metricLabel` says it in TypeScript; `metricLabelSql` says the same in SQL for any metric id
 * the read model holds, so a subject or indicator a state adds (SUBJECTS_DIR, INDICATORS_DIR)
 * gets a name without a new dashboard. The dashboards' tests compare the two.
 */

/** Each family's name: for a family that takes a subject or indicator, what follows its name (none for an indicator). */
export const FAMILY_NAMES: Readonly<Record<string, string>> = {
  proficiency: 'proficiency',
  scale_score: 'scale score',
  interim_proficiency: 'interim proficiency',
  attendance_rate: 'Attendance rate',
  chronic_absence_rate: 'Chronic absence rate',
  teacher_retention_rate: 'Teacher retention rate',
  vacancy_rate: 'Teacher vacancy rate',
  new_teacher_share: 'New teacher share',
  teacher_attendance_rate: 'Teacher attendance rate',
  indicator: '',
};

/** Subject or indicator names written otherwise than their words with the first capitalised. */
export const ARGUMENT_NAMES: Readonly<Record<string, string>> = { ela: 'ELA' };

/** `social_studies` -> `Social studies`, `ela` -> `ELA`. */
function argumentName(argument: string): string {
  const known = ARGUMENT_NAMES[argument];
  if (known !== undefined) return known;
  const words = argument.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The name people read for a metric id; the id itself for a name the metric table does not know. */
export function metricLabel(metric: string): string {
  const dot = metric.indexOf('.');
  const family = METRIC_FAMILIES.find((candidate) => candidate.family === (dot < 0 ? metric : metric.slice(0, dot)));
  const name = family ? FAMILY_NAMES[family.family] : undefined;
  if (!family || name === undefined) return metric;
  if (family.parameter === undefined) return dot < 0 ? name : metric;
  const argument = dot < 0 ? '' : metric.slice(dot + 1);
  if (argument === '') return metric;
  return `${argumentName(argument)}${name === '' ? '' : ` ${name}`}`;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** `metricLabel` in SQL, of the metric id `column` (a SQL expression). */
export function metricLabelSql(column: string): string {
  const argument = `substr(${column}, strpos(${column}, '.') + 1)`;
  const words = `replace(${argument}, '_', ' ')`;
  const named = `CASE ${argument} ${Object.entries(ARGUMENT_NAMES)
    .map(([key, name]) => `WHEN ${literal(key)} THEN ${literal(name)} `)
    .join('')}ELSE upper(left(${words}, 1)) || substr(${words}, 2) END`;
  const cases = METRIC_FAMILIES.filter((family) => FAMILY_NAMES[family.family] !== undefined).map((family) => {
    const name = FAMILY_NAMES[family.family];
    if (family.parameter === undefined) return `WHEN ${column} = ${literal(family.family)} THEN ${literal(name)}`;
    return `WHEN starts_with(${column}, ${literal(`${family.family}.`)}) AND ${argument} <> '' THEN ${named}${name === '' ? '' : ` || ${literal(` ${name}`)}`}`;
  });
  return `(CASE ${cases.join(' ')} ELSE ${column} END)`;
}

/** Where the shipped indicator catalogue is (libs/feeds/indicators): its rates show as percentages. */
const SHIPPED_INDICATORS_DIR = join(__dirname, '..', '..', 'libs', 'feeds', 'indicators');

/** The shipped indicators, read as the service reads them (a state's own are not known when the dashboards are generated). */
export function shippedIndicators(dir = SHIPPED_INDICATORS_DIR): IndicatorEntry[] {
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) => indicatorFileSchema.parse(parse(readFileSync(join(dir, file), 'utf8'))).indicators);
}

/**
 * Whether the metric id `column` (a SQL expression) is a rate, a share in [0, 1] shown as a
 * percentage: the families that are rates, and the shipped indicators of kind `rate`. A scale
 * score, a ratio, a count, and an indicator a state adds are shown as numbers.
 */
export function isRateSql(column: string, indicators: readonly IndicatorEntry[] = shippedIndicators()): string {
  const families = METRIC_FAMILIES.filter((family) => family.isRate === true);
  const fixed = families.filter((family) => family.parameter === undefined).map((family) => literal(family.family));
  const parameterised = families.filter((family) => family.parameter !== undefined).map((family) => `starts_with(${column}, ${literal(`${family.family}.`)})`);
  const rates = indicators.filter((entry) => entry.kind === 'rate').map((entry) => literal(`indicator.${entry.name}`));
  return `(${[`${column} IN (${[...fixed, ...rates].join(', ')})`, ...parameterised].join(' OR ')})`;
}

/** As `isRateSql`, in TypeScript. */
export function isRate(metric: string, indicators: readonly IndicatorEntry[] = shippedIndicators()): boolean {
  const dot = metric.indexOf('.');
  const family = METRIC_FAMILIES.find((candidate) => candidate.family === (dot < 0 ? metric : metric.slice(0, dot)));
  if (!family) return false;
  if (family.isRate === 'per_indicator') return indicators.some((entry) => `indicator.${entry.name}` === metric && entry.kind === 'rate');
  return family.isRate && (family.parameter === undefined ? dot < 0 : dot > 0);
}
