import { ValidationError } from '../errors';
import { PanelRow, ResearchPanel } from './research-panel';
import { seededRandom, streamSeed } from './seeded-random';

/**
 * Proof-point statistics (docs/research.md): did the schools of a cluster, zone, partner
 * or cohort gain more than the never-treated comparison schools over the same years?
 *
 * Choices, so that a reader can reproduce every figure:
 * - A school counts in a comparison of years b and t where it has the metric in both.
 * - ATT(g, t) follows Callaway and Sant'Anna with never-treated controls and no covariates,
 *   with the base period of R `did::att_gt`'s default (`base_period = "varying"`): a post
 *   period t >= g compares with g - 1 (so ATT(g, t) is the 2x2 difference in differences of
 *   cohort g over g - 1 and t), a pre period t < g with t - 1 (the placebo short differences
 *   `did` reports before treatment). R `did` drops a school missing any year, or switches to
 *   its repeated cross-section estimator when told to allow an unbalanced panel; here a
 *   school counts in every comparison whose two years it has. On a balanced panel the two
 *   agree.
 * - Event-time effects weight each cohort's ATT(g, g + e) by the cohort's size (its schools
 *   with the metric in any year), over the cohorts that have that event time, as
 *   `did::aggte(type = "dynamic")` does; the overall effect is the mean of the event-time
 *   effects for e >= 0 (aggte's dynamic `overall.att`).
 * - With weights=n a school's change from b to t is weighted by its denominator in the base
 *   year b: fixed before treatment, so treatment cannot move the weights.
 * - Standard errors and 95% intervals come from a bootstrap that resamples schools with
 *   replacement within strata (each cohort of the group, and the comparison schools), so every
 *   draw keeps the cohort sizes; the interval is the 2.5 and 97.5 percentiles of the draws
 *   (R's default quantile, type 7). A draw in which a figure cannot be computed (its resampled
 *   schools all lack a year) is left out of that figure's error, and `draws` says how many
 *   remained.
 * - Every figure says when fewer schools count than it needs (MINIMUM_SCHOOLS): it is still
 *   given, flagged with the minimum and the schools it had, so that no one reads a figure of one
 *   school as a group's.
 */

export type ProofPointGrouping = 'cluster' | 'zone' | 'partner' | 'cohort';
export type ProofPointWeights = 'none' | 'n';

/** One school in one year: a panel row narrowed to one metric. */
export interface ProofPointObservation {
  schoolId: string;
  /** The calendar year in which the school year ends (the panel's `year`). */
  year: number;
  /** The `year` of the school's first contract year; null when never treated. */
  firstTreatYear: number | null;
  /** Never in a zone: the comparison group. */
  comparison: boolean;
  zoneId: string | null;
  clusterId: string | null;
  partnerId: string | null;
  /** The metric's value that year; null when not reported or suppressed. */
  value: number | null;
  /** The metric's denominator that year: the weight when weights=n. */
  n: number | null;
}

export interface ProofPointOptions {
  groupBy: ProofPointGrouping;
  weights?: ProofPointWeights;
  seed?: number;
  draws?: number;
}

export const PROOF_POINT_DEFAULTS = { weights: 'none', seed: 1, draws: 999 } as const;

/**
 * The fewest schools each figure needs on every side it compares: the treated schools it
 * counts and the comparison schools it counts (one side only for a gain).
 * - A gain, the 2x2 difference in differences, and ATT(g, t) with its aggregations by event
 *   time and overall: 2. With one school a side the figure is that school's own change, and
 *   nothing tells it from the school's year-to-year noise.
 * - Hedges' g: 2 on each side, each with a standard deviation to pool. With one comparison
 *   school it was the treated schools' spread alone, which can be nearly nothing: g was printed
 *   in the millions.
 * - The bootstrap standard error and 95% interval of every figure: 10 on each side. The draws
 *   resample schools, and a few schools give a few distinct draws: the percentile interval of a
 *   mean of normal data covers about 50% at 2 schools, 83% at 5 and 91% at 10, not 95%.
 */
export const MINIMUM_SCHOOLS = {
  gain: 2,
  differenceInDifferences: 2,
  att: 2,
  hedgesG: 2,
  interval: 10,
} as const;

/** A figure counted fewer schools on some side than it needs: the minimum, and the schools on its smallest side. */
export interface Shortfall {
  needed: number;
  have: number;
}

export interface Estimate {
  value: number;
  /** Standard deviation of the bootstrap draws; null when fewer than two draws could be computed. */
  standardError: number | null;
  ci95: { lower: number; upper: number } | null;
  /** Bootstrap draws in which the figure could be computed. */
  draws: number;
  /** Set when the value counts fewer schools than the figure needs (MINIMUM_SCHOOLS); null when it has enough. */
  insufficient: Shortfall | null;
  /** Set when standardError and ci95 rest on fewer schools than a bootstrap needs (MINIMUM_SCHOOLS.interval); null when enough. */
  intervalInsufficient: Shortfall | null;
}

/** Schools counted on each side of a figure. */
export interface SchoolCounts {
  treated: number;
  comparison: number;
}

/** A post period against the year before treatment: gain over baseline and the 2x2 difference in differences. */
export interface BaselineComparison {
  cohort: number;
  year: number;
  baselineYear: number;
  eventTime: number;
  schools: SchoolCounts;
  years: number[];
  /** Mean of (value in year - value in baselineYear) over the group's schools of the cohort. */
  treatedGain: Estimate;
  /** The same over the comparison schools. */
  comparisonGain: Estimate;
  /** treatedGain - comparisonGain; equal to ATT(cohort, year). */
  differenceInDifferences: Estimate;
  /** Hedges' g of the gains, treated against comparison; null when the gains do not vary at all (one school a side has no spread). */
  hedgesG: Estimate | null;
}

export interface GroupTimeEffect {
  cohort: number;
  year: number;
  /** g - 1 for a post period, year - 1 for a pre period (R did's "varying" base period). */
  baseYear: number;
  eventTime: number;
  schools: SchoolCounts;
  years: number[];
  att: Estimate;
}

export interface EventTimeEffect {
  eventTime: number;
  cohorts: number[];
  schools: SchoolCounts;
  years: number[];
  att: Estimate;
}

export interface OverallEffect {
  eventTimes: number[];
  schools: SchoolCounts;
  years: number[];
  att: Estimate;
}

export interface GroupProofPoints {
  groupBy: ProofPointGrouping;
  /** The cluster, zone or partner id, or the cohort's first treatment year as text. */
  groupId: string;
  cohorts: { firstTreatYear: number; schools: number }[];
  comparisonSchools: number;
  baselineComparisons: BaselineComparison[];
  groupTime: GroupTimeEffect[];
  eventTime: EventTimeEffect[];
  overall: OverallEffect | null;
}

export interface ProofPoints {
  groupBy: ProofPointGrouping;
  weights: ProofPointWeights;
  seed: number;
  draws: number;
  groups: GroupProofPoints[];
}

/** The observations of one metric from panel rows built by `researchPanel`. */
export function proofPointObservations(panel: ResearchPanel, rows: Iterable<PanelRow>, metric: string): ProofPointObservation[] {
  const columns = panel.metricColumns.find((candidate) => candidate.metric === metric);
  if (!columns) throw ValidationError.of('metric', `the panel has no columns for '${metric}': it holds ${panel.metricColumns.map((c) => c.metric).join(', ')}`);
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  const number = (value: unknown) => (typeof value === 'number' ? value : null);
  return [...rows].map((row) => ({
    schoolId: String(row['school_id']),
    year: Number(row['year']),
    firstTreatYear: number(row['first_treat_year']),
    comparison: row['comparison'] === 1,
    zoneId: text(row['zone_id']),
    clusterId: text(row['cluster_id']),
    partnerId: text(row['partner_id']),
    value: number(row[columns.value]),
    n: number(row[columns.denominator]),
  }));
}

/** Every proof-point figure of every treated group against the never-treated comparison schools. */
export function proofPoints(observations: readonly ProofPointObservation[], options: ProofPointOptions): ProofPoints {
  const weights = options.weights ?? PROOF_POINT_DEFAULTS.weights;
  const seed = options.seed ?? PROOF_POINT_DEFAULTS.seed;
  const draws = options.draws ?? PROOF_POINT_DEFAULTS.draws;
  if (!['cluster', 'zone', 'partner', 'cohort'].includes(options.groupBy)) {
    throw ValidationError.of('groupBy', `expected cluster, zone, partner or cohort, got '${options.groupBy}'`);
  }
  if (weights !== 'none' && weights !== 'n') throw ValidationError.of('weights', `expected none or n, got '${weights}'`);
  if (!Number.isSafeInteger(seed)) throw ValidationError.of('seed', `expected a whole number, got ${seed}`);
  if (!Number.isInteger(draws) || draws < 2) throw ValidationError.of('draws', `expected a whole number of at least 2, got ${draws}`);

  const schools = schoolsOf(observations, options.groupBy);
  const comparison = new Stratum(
    schools.filter((school) => school.comparison),
    seededRandom(streamSeed(seed, 'comparison')),
    draws,
    weights,
  );
  const groups = new Map<string, School[]>();
  for (const school of schools) {
    if (school.firstTreatYear === null || school.groupId === null) continue;
    const group = groups.get(school.groupId);
    if (group) group.push(school);
    else groups.set(school.groupId, [school]);
  }
  const groupIds = [...groups.keys()].sort(options.groupBy === 'cohort' ? (a, b) => Number(a) - Number(b) : undefined);
  return {
    groupBy: options.groupBy,
    weights,
    seed,
    draws,
    groups: groupIds.map((groupId) => groupProofPoints(options.groupBy, groupId, groups.get(groupId) ?? [], comparison, { seed, draws, weights })),
  };
}

interface School {
  id: string;
  firstTreatYear: number | null;
  comparison: boolean;
  groupId: string | null;
  byYear: Map<number, { value: number; n: number | null }>;
}

function schoolsOf(observations: readonly ProofPointObservation[], groupBy: ProofPointGrouping): School[] {
  const rowsOf = new Map<string, { row: ProofPointObservation; index: number }[]>();
  observations.forEach((row, index) => {
    const issue = (field: string, message: string) => new ValidationError([{ row: index + 1, field, message }]);
    if (typeof row.schoolId !== 'string' || row.schoolId === '') throw issue('schoolId', 'expected a school id');
    if (!Number.isInteger(row.year)) throw issue('year', `expected a calendar year such as 2025, got ${row.year}`);
    if (row.value !== null && !Number.isFinite(row.value)) throw issue('value', `expected a finite number or null, got ${row.value}`);
    if (row.n !== null && !(Number.isFinite(row.n) && row.n >= 0)) throw issue('n', `expected a count of at least 0 or null, got ${row.n}`);
    if (row.firstTreatYear !== null && !Number.isInteger(row.firstTreatYear))
      throw issue('firstTreatYear', `expected a calendar year or null, got ${row.firstTreatYear}`);
    if (row.comparison && row.firstTreatYear !== null)
      throw issue(
        'comparison',
        `school ${row.schoolId} is a comparison school yet first treated in ${row.firstTreatYear}: a comparison school is never treated`,
      );
    const rows = rowsOf.get(row.schoolId);
    if (rows) rows.push({ row, index });
    else rowsOf.set(row.schoolId, [{ row, index }]);
  });

  return [...rowsOf.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([id, rows]) => {
      const first = rows[0].row;
      const byYear = new Map<number, { value: number; n: number | null }>();
      for (const { row, index } of rows) {
        const issue = (field: string, message: string) => new ValidationError([{ row: index + 1, field, message }]);
        if (row.firstTreatYear !== first.firstTreatYear)
          throw issue('firstTreatYear', `school ${id} has first treatment years ${first.firstTreatYear} and ${row.firstTreatYear}: expected one per school`);
        if (row.comparison !== first.comparison)
          throw issue('comparison', `school ${id} is a comparison school in some rows only: expected one answer per school`);
        if (rows.some((other) => other.index < index && other.row.year === row.year))
          throw issue('year', `school ${id} has two rows for ${row.year}: expected one row per school and year`);
        if (row.value !== null) byYear.set(row.year, { value: row.value, n: row.n });
      }
      if (byYear.size === 0) return [];
      return [
        {
          id,
          firstTreatYear: first.firstTreatYear,
          comparison: first.comparison,
          groupId: groupOf(
            rows.map((entry) => entry.row),
            first.firstTreatYear,
            groupBy,
          ),
          byYear,
        },
      ];
    });
}

/** A treated school's group is the one it had when first treated (or, missing that row, the first one after). */
function groupOf(rows: readonly ProofPointObservation[], firstTreatYear: number | null, groupBy: ProofPointGrouping): string | null {
  if (firstTreatYear === null) return null;
  if (groupBy === 'cohort') return String(firstTreatYear);
  const idOf = (row: ProofPointObservation) => (groupBy === 'cluster' ? row.clusterId : groupBy === 'zone' ? row.zoneId : row.partnerId);
  const treatedRows = rows.filter((row) => row.year >= firstTreatYear && idOf(row) !== null).sort((a, b) => a.year - b.year);
  return treatedRows.length === 0 ? null : idOf(treatedRows[0]);
}

/** Weighted sums over the schools of one side of one comparison of years. */
interface Moments {
  count: number;
  sumW: number;
  sumWY: number;
  sumWY2: number;
}

/** One side's changes from year b to year t: the point estimate's moments and each draw's. */
interface Changes {
  schoolIds: string[];
  /** Index 0 is the point estimate, 1..draws the bootstrap draws. */
  moments: Moments[];
}

/** Schools resampled together: every draw keeps the stratum's size. */
class Stratum {
  private readonly resamples: Uint16Array[];
  private readonly cache = new Map<string, Changes>();
  /** Every year in which some school of the stratum has the metric. */
  readonly years: readonly number[];

  constructor(
    readonly schools: readonly School[],
    random: () => number,
    draws: number,
    private readonly weights: ProofPointWeights,
  ) {
    this.years = [...new Set(schools.flatMap((school) => [...school.byYear.keys()]))];
    this.resamples = Array.from({ length: draws }, () => {
      const times = new Uint16Array(schools.length);
      for (let i = 0; i < schools.length; i++) times[Math.floor(random() * schools.length)]++;
      return times;
    });
  }

  changes(base: number, year: number): Changes {
    const key = `${base}:${year}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const counted: { index: number; weight: number; change: number }[] = [];
    this.schools.forEach((school, index) => {
      const before = school.byYear.get(base);
      const after = school.byYear.get(year);
      if (!before || !after) return;
      const weight = this.weights === 'n' ? before.n : 1;
      if (weight === null || weight <= 0) return;
      counted.push({ index, weight, change: after.value - before.value });
    });
    const momentsOf = (times: Uint16Array | undefined): Moments => {
      const moments = { count: 0, sumW: 0, sumWY: 0, sumWY2: 0 };
      for (const { index, weight, change } of counted) {
        const k = times === undefined ? 1 : times[index];
        if (k === 0) continue;
        moments.count += k;
        moments.sumW += k * weight;
        moments.sumWY += k * weight * change;
        moments.sumWY2 += k * weight * change * change;
      }
      return moments;
    };
    const changes = {
      schoolIds: counted.map(({ index }) => this.schools[index].id),
      moments: [momentsOf(undefined), ...this.resamples.map(momentsOf)],
    };
    this.cache.set(key, changes);
    return changes;
  }
}

const mean = (m: Moments) => (m.count === 0 || m.sumW === 0 ? NaN : m.sumWY / m.sumW);

/**
 * Below this share of the mean square, a variance is rounding: changes that are equal
 * (0.51 - 0.45 and 0.61 - 0.55) differ in their last bits, and their moments leave a variance
 * near 1e-19 where there is none; dividing by its root gave Hedges' g in the millions.
 */
const ROUNDING = 1e-12;

/** Weighted variance scaled by k / (k - 1): the ordinary sample variance when every weight is 1; 0 within rounding. */
const variance = (m: Moments) => {
  if (m.count < 2) return NaN;
  const meanSquare = m.sumWY2 / m.sumW;
  const spread = meanSquare - (m.sumWY / m.sumW) ** 2;
  return spread <= ROUNDING * meanSquare ? 0 : spread * (m.count / (m.count - 1));
};

/**
 * Hedges' g: the standardised mean difference with the small-sample correction
 * J = 1 - 3 / (4 (n1 + n2) - 9). A side of one school adds nothing to the pooled variance.
 */
function hedgesG(treated: Moments, comparison: Moments): number {
  const n = treated.count + comparison.count;
  if (n <= 2) return NaN;
  const spread = (m: Moments) => (m.count < 2 ? 0 : (m.count - 1) * variance(m));
  const pooled = Math.sqrt((spread(treated) + spread(comparison)) / (n - 2));
  if (!(pooled > 0)) return NaN;
  return (1 - 3 / (4 * n - 9)) * ((mean(treated) - mean(comparison)) / pooled);
}

/**
 * A figure from its point value (index 0) and its bootstrap draws, with the schools of each
 * side it compares and the fewest it needs; undefined when the point value is.
 */
function estimate(values: readonly number[], sides: readonly number[], needed: number): Estimate | undefined {
  const [value, ...draws] = values;
  if (!Number.isFinite(value)) return undefined;
  const have = Math.min(...sides);
  const shortfalls = {
    insufficient: have < needed ? { needed, have } : null,
    intervalInsufficient: have < MINIMUM_SCHOOLS.interval ? { needed: MINIMUM_SCHOOLS.interval, have } : null,
  };
  const computed = draws.filter(Number.isFinite).sort((a, b) => a - b);
  if (computed.length < 2) return { value, standardError: null, ci95: null, draws: computed.length, ...shortfalls };
  const average = computed.reduce((sum, x) => sum + x, 0) / computed.length;
  const standardError = Math.sqrt(computed.reduce((sum, x) => sum + (x - average) ** 2, 0) / (computed.length - 1));
  return { value, standardError, ci95: { lower: quantile(computed, 0.025), upper: quantile(computed, 0.975) }, draws: computed.length, ...shortfalls };
}

/** R's default quantile (type 7) of sorted values. */
function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const below = Math.floor(h);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
}

interface Cell {
  cohort: number;
  year: number;
  baseYear: number;
  eventTime: number;
  treated: Changes;
  comparison: Changes;
  /** ATT(g, t) at index 0 and in each draw. */
  att: number[];
}

function groupProofPoints(
  groupBy: ProofPointGrouping,
  groupId: string,
  members: readonly School[],
  comparison: Stratum,
  run: { seed: number; draws: number; weights: ProofPointWeights },
): GroupProofPoints {
  const years = [...new Set([...members.flatMap((school) => [...school.byYear.keys()]), ...comparison.years])].sort((a, b) => a - b);
  const cohortYears = [...new Set(members.map((school) => school.firstTreatYear as number))].sort((a, b) => a - b);
  const cohortSize = new Map<number, number>();
  const cells: Cell[] = [];
  for (const cohort of cohortYears) {
    const schools = members.filter((school) => school.firstTreatYear === cohort);
    cohortSize.set(cohort, schools.length);
    const treated = new Stratum(schools, seededRandom(streamSeed(run.seed, `${groupBy}:${groupId}:${cohort}`)), run.draws, run.weights);
    for (const year of years) {
      const baseYear = year >= cohort ? cohort - 1 : year - 1;
      const treatedChanges = treated.changes(baseYear, year);
      const comparisonChanges = comparison.changes(baseYear, year);
      if (treatedChanges.schoolIds.length === 0 || comparisonChanges.schoolIds.length === 0) continue;
      const att = treatedChanges.moments.map((moments, i) => mean(moments) - mean(comparisonChanges.moments[i]));
      cells.push({ cohort, year, baseYear, eventTime: year - cohort, treated: treatedChanges, comparison: comparisonChanges, att });
    }
  }

  const distinct = (lists: readonly string[][]) => (lists.length === 1 ? lists[0].length : new Set(lists.flat()).size);
  const described = (parts: readonly Cell[]) => ({
    schools: {
      treated: distinct(parts.map((cell) => cell.treated.schoolIds)),
      comparison: distinct(parts.map((cell) => cell.comparison.schoolIds)),
    },
    years: [...new Set(parts.flatMap((cell) => [cell.baseYear, cell.year]))].sort((a, b) => a - b),
  });
  const required = (figure: Estimate | undefined): Estimate => {
    // A cell exists only where both sides have schools, so its point figures are defined.
    if (!figure) throw new RangeError('a proof-point cell lost its point estimate');
    return figure;
  };

  const bothSides = (counts: SchoolCounts) => [counts.treated, counts.comparison];

  const baselineComparisons = cells
    .filter((cell) => cell.eventTime >= 0)
    .map((cell): BaselineComparison => {
      const { schools, years } = described([cell]);
      return {
        cohort: cell.cohort,
        year: cell.year,
        baselineYear: cell.baseYear,
        eventTime: cell.eventTime,
        schools,
        years,
        treatedGain: required(estimate(cell.treated.moments.map(mean), [schools.treated], MINIMUM_SCHOOLS.gain)),
        comparisonGain: required(estimate(cell.comparison.moments.map(mean), [schools.comparison], MINIMUM_SCHOOLS.gain)),
        differenceInDifferences: required(estimate(cell.att, bothSides(schools), MINIMUM_SCHOOLS.differenceInDifferences)),
        hedgesG:
          estimate(
            cell.treated.moments.map((moments, i) => hedgesG(moments, cell.comparison.moments[i])),
            bothSides(schools),
            MINIMUM_SCHOOLS.hedgesG,
          ) ?? null,
      };
    });

  const groupTime = cells.map((cell): GroupTimeEffect => {
    const { schools, years } = described([cell]);
    return {
      cohort: cell.cohort,
      year: cell.year,
      baseYear: cell.baseYear,
      eventTime: cell.eventTime,
      schools,
      years,
      att: required(estimate(cell.att, bothSides(schools), MINIMUM_SCHOOLS.att)),
    };
  });

  const eventTimes = [...new Set(cells.map((cell) => cell.eventTime))].sort((a, b) => a - b);
  const byEventTime = eventTimes.map((eventTime) => {
    const parts = cells.filter((cell) => cell.eventTime === eventTime);
    const total = parts.reduce((sum, cell) => sum + (cohortSize.get(cell.cohort) ?? 0), 0);
    const att = parts[0].att.map((_, i) => parts.reduce((sum, cell) => sum + ((cohortSize.get(cell.cohort) ?? 0) / total) * cell.att[i], 0));
    return { eventTime, parts, att };
  });
  const eventTime = byEventTime.map(({ eventTime, parts, att }): EventTimeEffect => {
    const { schools, years } = described(parts);
    return { eventTime, cohorts: parts.map((cell) => cell.cohort), schools, years, att: required(estimate(att, bothSides(schools), MINIMUM_SCHOOLS.att)) };
  });

  const afterTreatment = byEventTime.filter((effect) => effect.eventTime >= 0);
  const overallSchools = described(afterTreatment.flatMap((effect) => effect.parts));
  const overall: OverallEffect | null =
    afterTreatment.length === 0
      ? null
      : {
          eventTimes: afterTreatment.map((effect) => effect.eventTime),
          ...overallSchools,
          att: required(
            estimate(
              afterTreatment[0].att.map((_, i) => afterTreatment.reduce((sum, effect) => sum + effect.att[i], 0) / afterTreatment.length),
              bothSides(overallSchools.schools),
              MINIMUM_SCHOOLS.att,
            ),
          ),
        };

  return {
    groupBy,
    groupId,
    cohorts: cohortYears.map((firstTreatYear) => ({ firstTreatYear, schools: cohortSize.get(firstTreatYear) ?? 0 })),
    comparisonSchools: comparison.schools.length,
    baselineComparisons,
    groupTime,
    eventTime,
    overall,
  };
}
