import { PanelContract, PanelMembership, PanelSchool, SchoolYear, SchoolYearMetric, schoolYearOfDate, startCalendarYear } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';

/** What the researchers' panel is read for: which metrics and school years, as known when. */
export interface PanelQuery {
  /** The knowledge time: values, memberships and contracts as the service knew them then. */
  asOf: Date;
  metrics: readonly string[];
  /** The first and last school year of the panel; every year when absent. */
  from?: SchoolYear;
  to?: SchoolYear;
}

/** One school's values for the panel, all its school years at once (the domain builds its rows from them). */
export interface SchoolPanelInputs {
  school: PanelSchool;
  values: SchoolYearMetric[];
}

/** The treatment facts of the panel: zone schools only, so a few hundred rows for a whole state. */
export interface PanelTreatment {
  memberships: PanelMembership[];
  contracts: PanelContract[];
}

type ValueRow = {
  school_id: string;
  district_id: string | null;
  school_year: string | null;
  metric: string | null;
  numerator: number | null;
  denominator: number | null;
  suppressed: boolean | null;
};

/** Schools read per query: a page holds their values for every asked year and metric, never a whole state's. */
const SCHOOLS_PER_PAGE = 500;

/**
 * Reads of the researchers' panel (docs/research.md), always as known at a knowledge time
 * so that an export can be made again, byte for byte, from its recorded `asOf`:
 * - each value is its latest change until then in `school_metric_history`, unless that change
 *   removed it (a restatement after `asOf` does not show, a retraction before it does);
 * - memberships and contracts are those recorded by then; an end (a school leaving, a contract
 *   terminated) counts only once it was recorded. A terminated contract's term ends with the
 *   school year it was terminated in.
 * Schools come from the feeds, not the registry: feeds cover every school of the state, and a
 * school that is not registered has no district. A school's district is the one it had then
 * (a school that moved district shows its old one before the move was recorded).
 */
export class ResearchQueries {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly schoolsPerPage = SCHOOLS_PER_PAGE,
  ) {}

  /** Every metric with a value known at `asOf`: the panel's metrics when none are asked. */
  async metricsKnown(asOf: Date): Promise<string[]> {
    const rows = await this.sql.query<{ metric: string }>('SELECT DISTINCT metric FROM school_metric_history WHERE known_at <= $1 ORDER BY metric', [
      asOf.toISOString(),
    ]);
    return rows.map((row) => row.metric);
  }

  async treatment(asOf: Date): Promise<PanelTreatment> {
    const at = asOf.toISOString();
    const memberships = await this.sql.query<{ school_id: string; cluster_id: string; zone_id: string; from_year: string; until_year: string | null }>(
      `SELECT m.school_id, m.cluster_id, c.zone_id, m.from_year, CASE WHEN m.left_recorded_at <= $1 THEN m.until_year END AS until_year
       FROM registry_memberships m JOIN registry_clusters c ON c.cluster_id = m.cluster_id
       WHERE m.recorded_at <= $1 ORDER BY m.school_id, m.from_year, m.cluster_id`,
      [at],
    );
    const contracts = await this.sql.query<{
      contract_id: string;
      partner_id: string;
      cluster_id: string;
      zone_id: string;
      school_ids: string[];
      start_year: string;
      term_years: number;
      terminated_at: Date | string | null;
    }>(
      `SELECT k.contract_id, k.partner_id, k.cluster_id, c.zone_id, k.school_ids, k.start_year, k.term_years,
              CASE WHEN k.terminated_at <= $1 THEN k.terminated_at END AS terminated_at
       FROM registry_contracts k JOIN registry_clusters c ON c.cluster_id = k.cluster_id
       WHERE k.recorded_at <= $1 ORDER BY k.contract_id`,
      [at],
    );
    return {
      memberships: memberships.map((row) => ({
        schoolId: row.school_id,
        clusterId: row.cluster_id,
        zoneId: row.zone_id,
        fromYear: row.from_year,
        untilYear: row.until_year,
      })),
      contracts: contracts.map((row) => ({
        contractId: row.contract_id,
        partnerId: row.partner_id,
        clusterId: row.cluster_id,
        zoneId: row.zone_id,
        schoolIds: row.school_ids,
        startYear: row.start_year,
        termYears: termServed(row.start_year, row.term_years, row.terminated_at),
      })),
    };
  }

  /** How many schools the panel has rows for: what a progress bar counts to. */
  async schoolCount(query: PanelQuery): Promise<number> {
    const [row] = await this.sql.query<{ count: number }>(
      `SELECT count(DISTINCT school_id)::int AS count FROM (
         SELECT DISTINCT ON (school_id, school_year, metric) school_id, removed FROM school_metric_history
         WHERE ${valueFilter('')} ORDER BY school_id, school_year, metric, known_at DESC) latest
       WHERE NOT removed`,
      valueParameters(query),
    );
    return row.count;
  }

  /**
   * The panel's inputs school by school, ordered by school id, each school's values by school
   * year and metric. Read a page of schools at a time (keyset on the school id), so memory holds
   * one page whatever the size of the state.
   */
  async *schools(query: PanelQuery): AsyncGenerator<SchoolPanelInputs> {
    let after = '';
    for (;;) {
      const rows = await this.sql.query<ValueRow>(
        `WITH page AS (
           SELECT DISTINCT school_id FROM school_metric_history WHERE school_id > $5 AND ${valueFilter('')} ORDER BY school_id LIMIT $6),
         latest AS (
           SELECT DISTINCT ON (h.school_id, h.school_year, h.metric) h.school_id, h.school_year, h.metric, h.numerator, h.denominator, h.suppressed, h.removed
           FROM school_metric_history h JOIN page ON page.school_id = h.school_id
           WHERE ${valueFilter('h.')}
           ORDER BY h.school_id, h.school_year, h.metric, h.known_at DESC)
         SELECT page.school_id, s.district_id, v.school_year, v.metric, v.numerator, v.denominator, v.suppressed
         FROM page
         LEFT JOIN LATERAL (
           SELECT d.district_id FROM registry_school_districts d WHERE d.school_id = page.school_id AND d.recorded_at <= $1
           ORDER BY d.recorded_at DESC LIMIT 1) s ON true
         LEFT JOIN latest v ON v.school_id = page.school_id AND NOT v.removed
         ORDER BY page.school_id, v.school_year, v.metric`,
        [...valueParameters(query), after, this.schoolsPerPage],
      );
      let current: SchoolPanelInputs | undefined;
      let schools = 0;
      for (const row of rows) {
        if (current?.school.schoolId !== row.school_id) {
          if (current && current.values.length > 0) yield current;
          current = { school: { schoolId: row.school_id, districtId: row.district_id }, values: [] };
          schools += 1;
        }
        // A school of the page whose values were all withdrawn by then joins no value.
        if (row.school_year !== null && row.metric !== null)
          current.values.push({
            schoolYear: row.school_year,
            metric: row.metric,
            numerator: row.numerator,
            denominator: row.denominator,
            suppressed: row.suppressed === true,
          });
      }
      if (current && current.values.length > 0) yield current;
      if (schools < this.schoolsPerPage || !current) return;
      after = current.school.schoolId;
    }
  }
}

/** The history rows a panel reads: parameters $1 (knowledge time), $2 (metrics), $3 and $4 (first and last school year, or null). */
function valueFilter(alias: string): string {
  return `${alias}known_at <= $1 AND ${alias}metric = ANY($2::text[]) AND ($3::text IS NULL OR ${alias}school_year >= $3) AND ($4::text IS NULL OR ${alias}school_year <= $4)`;
}

function valueParameters(query: PanelQuery): unknown[] {
  return [query.asOf.toISOString(), [...query.metrics], query.from ?? null, query.to ?? null];
}

/** The school years of a term served: a contract terminated in its third year served three, one terminated before it started none. */
function termServed(startYear: SchoolYear, termYears: number, terminatedAt: Date | string | null): number {
  if (terminatedAt === null) return termYears;
  const lastYear = schoolYearOfDate(new Date(terminatedAt).toISOString().slice(0, 10));
  return Math.max(0, Math.min(termYears, startCalendarYear(lastYear) - startCalendarYear(startYear) + 1));
}
