/**
 * SQL fragments the dashboards share, over the read model's tables (libs/read-model,
 * services/registry, services/alerts). Statuses are never computed here: they come from
 * `scorecard_lines`, which the alerting service writes from the domain's evaluation.
 */

/** The `n_min` dashboard constant: keep it equal to the service's N_MIN. */
export const N_MIN = '$n_min';

/**
 * A rate as a dashboard shows it (DESIGN.md section 5): empty (shown "suppressed") when the
 * source suppressed it or its denominator is below n_min; an indicator reported as a count
 * (over 1) is shown as it is. The same rule as the public API's `publicReading`.
 */
export function shownRate(numerator: string, denominator: string, metric: string): string {
  return `CASE WHEN ${numerator} IS NULL OR ${denominator} IS NULL OR ${denominator} = 0
      OR (${denominator} < ${N_MIN} AND NOT (${metric} LIKE 'indicator.%' AND ${denominator} = 1)) THEN NULL
    ELSE round((${numerator} / ${denominator})::numeric, 4)::float8 END`;
}

/**
 * A roll-up over schools as the domain's `rollUp` makes it: the sums of the numerators and
 * denominators the schools know; a school whose value is suppressed adds to neither.
 * Gives `numerator` and `denominator` columns to wrap in `shownRate`.
 */
export function rolledUp(alias: string): string {
  const known = `${alias}.numerator IS NOT NULL AND ${alias}.denominator IS NOT NULL`;
  return `sum(${alias}.numerator) FILTER (WHERE ${known}) AS numerator, sum(${alias}.denominator) FILTER (WHERE ${known}) AS denominator`;
}

/** The membership `m` covers school year `year` (memberships run from from_year up to, not including, until_year). */
export function memberIn(m: string, year: string): string {
  return `${m}.from_year <= ${year} AND (${m}.until_year IS NULL OR ${year} < ${m}.until_year)`;
}

/** Of a set of scorecard lines, the status that says most: missed, then at risk, pending, on track, met. */
export function worstStatus(filter: string): string {
  return `(array_agg(l.status ORDER BY array_position(ARRAY['missed', 'at_risk', 'pending', 'on_track', 'met'], l.status)) FILTER (WHERE ${filter}))[1]`;
}

/** A condition on a variable with an "All" option. */
export function allOr(variable: string, column: string): string {
  return `('$${variable}' = 'All' OR ${column} = '$${variable}')`;
}

/** As `allOr`, for an array column: the chosen value is one of its elements. */
export function allOrAny(variable: string, arrayColumn: string): string {
  return `('$${variable}' = 'All' OR '$${variable}' = ANY(${arrayColumn}))`;
}
