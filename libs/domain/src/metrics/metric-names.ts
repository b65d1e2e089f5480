import { FieldIssue, ValidationError } from '../errors';
import { IndicatorCatalogue } from './indicator-catalogue';
import { METRIC_FAMILIES, METRIC_NAME_HINT, MetricCatalogues, metricDefinition } from './metric-catalogue';
import { SHIPPED_SUBJECTS, SubjectCatalogue } from './subject-catalogue';

/**
 * The one check of a metric name that a person typed: a contract target (signed, amended or
 * renewed), a research request over HTTP, and the CLI's `--metric` and `--metrics`. A name is
 * in the catalogue (a plain family, a family with a catalogued subject, a catalogued indicator)
 * or it is refused, with the catalogued names closest to it. A typo used to pass silently: a
 * target on `proficiency.maths` stayed pending for ever, and a panel of it held no values.
 *
 * Feeds are not checked here: a feed of any well-formed name is stored and shown, flagged
 * `uncatalogued` in its definition (metricDefinition). Every check takes the catalogues it
 * judges by (MetricCatalogues): the service's, loaded at start-up, or a test's own.
 */

/** Every metric name the catalogues know, in the order of the metric table. */
export function cataloguedMetricNames(catalogues: MetricCatalogues): string[] {
  return METRIC_FAMILIES.flatMap((family) => {
    if (family.parameter === undefined) return [family.family];
    const entries = family.parameter === 'subject' ? catalogues.subjects.list() : catalogues.indicators.list();
    return entries.map((entry) => `${family.family}.${entry.name}`);
  });
}

/** Why a metric name may not be targeted or asked for, with what it may have meant; undefined when it is catalogued. */
export function metricNameIssue(metric: string, catalogues: MetricCatalogues): string | undefined {
  const definition = metricDefinition(metric, catalogues);
  if (definition && !definition.uncatalogued) return undefined;
  const close = closeMatches(metric, cataloguedMetricNames(catalogues));
  const guess = close.length > 0 ? `did you mean ${orList(close)}? ` : '';
  if (!definition) return malformedIssue(metric, close);
  if (definition.source === 'indicator') {
    const known = catalogues.indicators.list().map((entry) => `indicator.${entry.name}`);
    return `indicator '${definition.argument}' is not in the indicator catalogue, so nothing says which way is better: ${guess}expected ${known.length > 0 ? `one of ${known.join(', ')}` : 'a catalogued indicator'} (a state adds its own in INDICATORS_DIR)`;
  }
  const known = catalogues.subjects.list().map((entry) => `${definition.family}.${entry.name}`);
  return `subject '${definition.argument}' is not in the subject catalogue: ${guess}expected ${known.length > 0 ? `one of ${known.join(', ')}` : 'a catalogued subject'} (a state adds its own in SUBJECTS_DIR)`;
}

/** What every catalogue holds: the metrics of the table and the shipped subjects. */
const EVERY_CATALOGUE: MetricCatalogues = { indicators: new IndicatorCatalogue([]), subjects: new SubjectCatalogue(SHIPPED_SUBJECTS) };

/**
 * Why a name fitting no metric family is refused, without the catalogues: what a contract
 * target's schema says, which holds for stored events whatever the catalogues say later. Its
 * close matches are among the names every catalogue holds (a state's own indicators and
 * subjects are suggested by `metricNameIssue`, given the catalogues).
 */
export function malformedMetricIssue(metric: string): string {
  return malformedIssue(metric, closeMatches(metric, cataloguedMetricNames(EVERY_CATALOGUE)));
}

function malformedIssue(metric: string, close: readonly string[]): string {
  return `${METRIC_NAME_HINT}; got '${metric}'${close.length > 0 ? `: did you mean ${orList(close)}?` : ''}`;
}

/** Refuses every name outside the catalogues at once, each under its own field. */
export function requireCataloguedMetrics(names: readonly { field: string; metric: string }[], catalogues: MetricCatalogues): void {
  const issues = names.flatMap(({ field, metric }): FieldIssue[] => {
    const message = metricNameIssue(metric, catalogues);
    return message === undefined ? [] : [{ field, message }];
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

const MOST_SUGGESTED = 5;

/**
 * The catalogued names a typo most likely meant: those within a few edits (a letter left out,
 * added, changed, or two swapped; more allowed in a longer name), nearest first, then those the
 * name begins or that begin with it (`proficiency` for its subjects).
 */
export function closeMatches(name: string, candidates: readonly string[]): string[] {
  const typed = name.trim().toLowerCase();
  if (typed === '') return [];
  const allowed = typed.length <= 5 ? 1 : typed.length <= 10 ? 2 : 3;
  const near = candidates
    .map((candidate, order) => ({ candidate, order, distance: editDistance(typed, candidate) }))
    .filter(({ distance }) => distance <= allowed)
    .sort((a, b) => a.distance - b.distance || a.order - b.order)
    .map(({ candidate }) => candidate);
  const affixed = typed.length < 4 ? [] : candidates.filter((candidate) => candidate.startsWith(typed) || typed.startsWith(candidate));
  return [...new Set([...near, ...affixed])].slice(0, MOST_SUGGESTED);
}

/** Edits (insert, delete, substitute, swap two neighbours) from one text to the other: the optimal string alignment distance. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

function orList(names: readonly string[]): string {
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
