import { ValidationError } from '../errors';
import { MetricCatalogues, metricDefinition, metricFamilyOf, METRIC_NAME_HINT } from '../metrics/metric-catalogue';
import { rateOf } from '../metrics/school-metrics';
import { parseSchoolYear, SchoolYear, startCalendarYear } from '../school-year';

/**
 * The researchers' school x school year panel (docs/research.md): one row per school and
 * school year with feed data, its treatment as of that year, and per metric the value with
 * its numerator, denominator and flags. Column names are valid Stata names so one set of
 * names serves CSV, Parquet and .dta alike.
 */

/** How a column is stored: `flag` is 0/1, `integer` a whole number, `double` any number (Inf included). */
export type PanelColumnType = 'string' | 'integer' | 'flag' | 'double';
export type PanelValue = string | number | null;
export type PanelRow = Readonly<Record<string, PanelValue>>;

export interface PanelColumn {
  name: string;
  type: PanelColumnType;
  /** At most 80 characters: Stata's limit for a variable label. */
  label: string;
  /** The rule that fills the column, for the codebook. */
  rule: string;
}

/** A school's place in a zone's cluster, from `fromYear` up to, not including, `untilYear`. */
export interface PanelMembership {
  schoolId: string;
  clusterId: string;
  zoneId: string;
  fromYear: SchoolYear;
  untilYear: SchoolYear | null;
}

/** A performance contract; `termYears` is the term served (a terminated contract's is shorter). */
export interface PanelContract {
  contractId: string;
  partnerId: string;
  clusterId: string;
  zoneId: string;
  schoolIds: readonly string[];
  startYear: SchoolYear;
  termYears: number;
}

export interface PanelSchool {
  schoolId: string;
  /** Unknown for a school that only ever appeared in feeds, never in the registry. */
  districtId: string | null;
}

/** One metric of one school in one school year, as stored: numerator and denominator. */
export interface SchoolYearMetric {
  schoolYear: SchoolYear;
  metric: string;
  numerator: number | null;
  denominator: number | null;
  suppressed: boolean;
}

export interface PanelSpec {
  metrics: readonly string[];
  /** A denominator below it is a small number (docs/metrics.md); 10 unless configured. */
  nMin: number;
  /** What a metric is (an indicator's kind: whether its value column is a rate), read at start-up. */
  catalogues: MetricCatalogues;
  memberships: readonly PanelMembership[];
  contracts: readonly PanelContract[];
}

/** The columns one metric contributes, by what they hold. */
export interface MetricColumns {
  metric: string;
  value: string;
  numerator: string;
  denominator: string;
  suppressed: string;
  smallN: string;
}

export interface ResearchPanel {
  readonly columns: readonly PanelColumn[];
  readonly metricColumns: readonly MetricColumns[];
  /**
   * The panel rows of one school, by school year: a school's values arrive together so that a
   * caller can stream a whole state school by school.
   */
  rowsOfSchool(school: PanelSchool, values: readonly SchoolYearMetric[]): PanelRow[];
}

/** Codings of "never treated" that the standard estimators expect (docs/research.md). */
export const NEVER_TREATED = { gname: 0, cohortFixest: 10000, gInf: Infinity } as const;

const STATA_NAME_LENGTH = 32;
const STATA_LABEL_LENGTH = 80;
const METRIC_SUFFIXES = ['', '_num', '_den', '_suppressed', '_small_n'] as const;

const ID_COLUMNS: readonly PanelColumn[] = [
  { name: 'school_id', type: 'string', label: 'School id (state school code)', rule: "The state's own stable school id." },
  { name: 'district_id', type: 'string', label: 'District id', rule: 'The district the school is registered in; empty for a school known only from feeds.' },
  { name: 'school_year', type: 'string', label: 'School year, July 1 to June 30 (e.g. 2024-25)', rule: 'The school year of the row.' },
  {
    name: 'year',
    type: 'integer',
    label: 'Calendar year in which the school year ends',
    rule: '2025 for 2024-25; the time variable for did, csdid and fixest.',
  },
];

const TREATMENT_COLUMNS: readonly PanelColumn[] = [
  {
    name: 'zone_id',
    type: 'string',
    label: 'Partnership Zone of the school that year',
    rule: 'The zone of the cluster below; empty when the school was in no cluster that year.',
  },
  {
    name: 'cluster_id',
    type: 'string',
    label: 'Cluster of the school that year',
    rule: "The contract's cluster inside a contract term, else the cluster the school was assigned to that year; empty when none.",
  },
  {
    name: 'partner_id',
    type: 'string',
    label: 'Lead Partner holding the contract that year',
    rule: 'The partner of the contract whose term covers the year; empty outside every term.',
  },
  {
    name: 'contract_id',
    type: 'string',
    label: 'Performance contract covering the school that year',
    rule: 'The contract whose term covers the year (the later-starting one if two overlap); empty outside every term.',
  },
  {
    name: 'contract_year',
    type: 'integer',
    label: 'Contract year (1 = first school year of the term)',
    rule: "The k-th school year from the contract's start year; empty outside every term.",
  },
  { name: 'treated', type: 'flag', label: '1 inside a contract term that year', rule: '1 when a contract term covers the school year, else 0.' },
  {
    name: 'first_treat_year',
    type: 'integer',
    label: 'Year (ending calendar year) of first contract year',
    rule: "The `year` of the school's first contract year over all its contracts; empty when never treated.",
  },
  {
    name: 'gname',
    type: 'integer',
    label: 'First treatment year; 0 if never treated (did, csdid)',
    rule: 'first_treat_year, or 0 when never treated (R did::att_gt gname, Stata csdid gvar).',
  },
  {
    name: 'cohort_fixest',
    type: 'integer',
    label: 'First treatment year; 10000 if never treated (fixest)',
    rule: 'first_treat_year, or 10000 when never treated (R fixest::sunab cohort).',
  },
  {
    name: 'g_inf',
    type: 'double',
    label: 'First treatment year; Inf if never treated (staggered)',
    rule: 'first_treat_year, or Inf when never treated (R staggered). Stata has no Inf: the .dta holds missing (.), which Stata sorts above every number.',
  },
  {
    name: 'comparison',
    type: 'flag',
    label: '1 if the school was never in a zone',
    rule: '1 when the school has no cluster membership and no contract at all, else 0: the never-treated comparison group.',
  },
];

/** Builds the panel's columns for the asked metrics and the row builder over the given treatment facts. */
export function researchPanel(spec: PanelSpec): ResearchPanel {
  if (!Number.isFinite(spec.nMin) || spec.nMin < 0) throw ValidationError.of('nMin', `expected a number of at least 0, got ${spec.nMin}`);
  if (spec.metrics.length === 0) throw ValidationError.of('metrics', 'expected at least one metric');
  const metricColumns = spec.metrics.map((metric, index) => columnsOfMetric(metric, `metrics.${index}`));
  const columns = [...ID_COLUMNS, ...TREATMENT_COLUMNS, ...metricColumns.flatMap((columns) => describeMetricColumns(columns, spec.nMin, spec.catalogues))];
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column.name)) throw ValidationError.of('metrics', `two metrics give the column name '${column.name}': ask for each metric once`);
    seen.add(column.name);
  }
  const treatment = schoolTreatments(spec);

  return {
    columns,
    metricColumns,
    rowsOfSchool(school, values) {
      const byYear = new Map<SchoolYear, Map<string, SchoolYearMetric>>();
      values.forEach((value, index) => {
        if (parseSchoolYear(value.schoolYear) === undefined) {
          throw new ValidationError([{ row: index + 1, field: 'schoolYear', message: `expected a school year such as "2024-25", got '${value.schoolYear}'` }]);
        }
        if (!spec.metrics.includes(value.metric)) return;
        const ofYear = byYear.get(value.schoolYear) ?? new Map<string, SchoolYearMetric>();
        if (ofYear.has(value.metric)) {
          throw new ValidationError([
            {
              row: index + 1,
              field: 'metric',
              message: `school ${school.schoolId} has ${value.metric} twice in ${value.schoolYear}: expected one value per school year`,
            },
          ]);
        }
        byYear.set(value.schoolYear, ofYear.set(value.metric, value));
      });
      const facts = treatment(school.schoolId);
      return [...byYear.keys()].sort().map((schoolYear) => {
        const row: Record<string, PanelValue> = {
          school_id: school.schoolId,
          district_id: school.districtId,
          school_year: schoolYear,
          year: endCalendarYear(schoolYear),
          ...facts.asOf(schoolYear),
        };
        for (const columns of metricColumns) Object.assign(row, metricCells(columns, byYear.get(schoolYear)?.get(columns.metric), spec.nMin));
        return row;
      });
    },
  };
}

/** The calendar year in which a school year ends (its `year` in the panel): 2025 for 2024-25. */
export function endCalendarYear(schoolYear: SchoolYear): number {
  return startCalendarYear(schoolYear) + 1;
}

/**
 * A metric's columns: its name with dots as underscores, then `_num`, `_den`, `_suppressed`,
 * `_small_n`. When the longest would pass Stata's 32 characters, every column of the metric
 * shares one shortened stem (the name's start plus a hash of the whole name), so a metric's
 * columns still sort together and the same metric always gets the same names.
 */
function columnsOfMetric(metric: string, field: string): MetricColumns {
  if (!metricFamilyOf(metric)) throw ValidationError.of(field, `'${metric}' is not a metric: ${METRIC_NAME_HINT}`);
  const longestSuffix = Math.max(...METRIC_SUFFIXES.map((suffix) => suffix.length));
  const full = metric.replace(/\./g, '_');
  const room = STATA_NAME_LENGTH - longestSuffix;
  const stem = full.length <= room ? full : `${full.slice(0, room - 5).replace(/_+$/, '')}_${nameHash(metric)}`;
  return {
    metric,
    value: stem,
    numerator: `${stem}_num`,
    denominator: `${stem}_den`,
    suppressed: `${stem}_suppressed`,
    smallN: `${stem}_small_n`,
  };
}

/** Four hex digits of FNV-1a: short, stable across runs and platforms. */
function nameHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return (hash & 0xffff).toString(16).padStart(4, '0');
}

function describeMetricColumns(columns: MetricColumns, nMin: number, catalogues: MetricCatalogues): PanelColumn[] {
  const definition = metricDefinition(columns.metric, catalogues);
  if (!definition) throw ValidationError.of('metrics', `'${columns.metric}' is not a metric: ${METRIC_NAME_HINT}`);
  const label = (what: string) => `${columns.metric} ${what}`.slice(0, STATA_LABEL_LENGTH);
  return [
    {
      name: columns.value,
      type: 'double',
      label: label(definition.isRate ? '(rate, 0 to 1)' : '(value)'),
      rule: `numerator / denominator for the school year (${definition.window}); empty when suppressed or the denominator is 0 or unknown.`,
    },
    { name: columns.numerator, type: 'double', label: label('numerator'), rule: `${definition.numerator}; empty when suppressed.` },
    {
      name: columns.denominator,
      type: 'double',
      label: label('denominator (n)'),
      rule: `${definition.denominator}; empty when suppressed. The weight when weights=n.`,
    },
    {
      name: columns.suppressed,
      type: 'flag',
      label: label('suppressed by the vendor (1 = counts unknown)'),
      rule: '1 when the vendor suppressed the counts (recorded as unknown, never as zero); empty when the school has no such value that year.',
    },
    {
      name: columns.smallN,
      type: 'flag',
      label: label(`denominator below nMin (${nMin})`),
      rule: `1 when the denominator is below nMin = ${nMin} (docs/metrics.md); the value is given all the same. Empty when the denominator is unknown.`,
    },
  ];
}

function metricCells(columns: MetricColumns, value: SchoolYearMetric | undefined, nMin: number): Record<string, PanelValue> {
  if (!value) return { [columns.value]: null, [columns.numerator]: null, [columns.denominator]: null, [columns.suppressed]: null, [columns.smallN]: null };
  return {
    [columns.value]: value.suppressed ? null : rateOf(value),
    [columns.numerator]: value.numerator,
    [columns.denominator]: value.denominator,
    [columns.suppressed]: value.suppressed ? 1 : 0,
    [columns.smallN]: value.denominator === null ? null : value.denominator < nMin ? 1 : 0,
  };
}

interface SchoolTreatment {
  asOf(schoolYear: SchoolYear): Record<string, PanelValue>;
}

function schoolTreatments(spec: PanelSpec): (schoolId: string) => SchoolTreatment {
  spec.contracts.forEach((contract, index) => {
    if (parseSchoolYear(contract.startYear) === undefined)
      throw ValidationError.of(`contracts.${index}.startYear`, `expected a school year such as "2024-25", got '${contract.startYear}'`);
    if (!Number.isInteger(contract.termYears) || contract.termYears < 0)
      throw ValidationError.of(`contracts.${index}.termYears`, `expected a whole number of years, got ${contract.termYears}`);
  });
  spec.memberships.forEach((membership, index) => {
    if (parseSchoolYear(membership.fromYear) === undefined)
      throw ValidationError.of(`memberships.${index}.fromYear`, `expected a school year such as "2024-25", got '${membership.fromYear}'`);
    if (membership.untilYear !== null && parseSchoolYear(membership.untilYear) === undefined) {
      throw ValidationError.of(`memberships.${index}.untilYear`, `expected a school year such as "2024-25" or null, got '${membership.untilYear}'`);
    }
  });
  const contractsOf = groupBy(
    spec.contracts.flatMap((contract) => contract.schoolIds.map((schoolId) => ({ schoolId, contract }))),
    (entry) => entry.schoolId,
  );
  const membershipsOf = groupBy(spec.memberships, (membership) => membership.schoolId);

  return (schoolId) => {
    const contracts = (contractsOf.get(schoolId) ?? []).map((entry) => entry.contract).filter((contract) => contract.termYears > 0);
    const memberships = membershipsOf.get(schoolId) ?? [];
    const firstTreatYear = contracts.length === 0 ? null : Math.min(...contracts.map((contract) => endCalendarYear(contract.startYear)));
    const everInZone = contractsOf.has(schoolId) || memberships.length > 0;
    const cohort = {
      first_treat_year: firstTreatYear,
      gname: firstTreatYear ?? NEVER_TREATED.gname,
      cohort_fixest: firstTreatYear ?? NEVER_TREATED.cohortFixest,
      g_inf: firstTreatYear ?? NEVER_TREATED.gInf,
      comparison: everInZone ? 0 : 1,
    };
    return {
      asOf(schoolYear) {
        const start = startCalendarYear(schoolYear);
        const contract = contracts
          .filter((candidate) => start >= startCalendarYear(candidate.startYear) && start < startCalendarYear(candidate.startYear) + candidate.termYears)
          .sort((a, b) => startCalendarYear(b.startYear) - startCalendarYear(a.startYear) || (a.contractId < b.contractId ? -1 : 1))[0];
        const membership = memberships.find(
          (candidate) => start >= startCalendarYear(candidate.fromYear) && (candidate.untilYear === null || start < startCalendarYear(candidate.untilYear)),
        );
        return {
          zone_id: contract?.zoneId ?? membership?.zoneId ?? null,
          cluster_id: contract?.clusterId ?? membership?.clusterId ?? null,
          partner_id: contract?.partnerId ?? null,
          contract_id: contract?.contractId ?? null,
          contract_year: contract ? start - startCalendarYear(contract.startYear) + 1 : null,
          treated: contract ? 1 : 0,
          ...cohort,
        };
      },
    };
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
