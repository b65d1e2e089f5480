import { NotFoundError } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';

/** The registry reads: zones, clusters with their members, schools with their memberships, partners, contracts. */
export class RegistryQueries {
  constructor(private readonly sql: SqlExecutor) {}

  async zones() {
    return this.sql.query(`SELECT ${ZONE} FROM registry_zones ORDER BY zone_id`);
  }

  async zone(zoneId: string) {
    return one('zone', zoneId, await this.sql.query(`SELECT ${ZONE} FROM registry_zones WHERE zone_id = $1`, [zoneId]));
  }

  async clusters(filter: { zoneId?: string }) {
    return this.sql.query(`SELECT ${CLUSTER} FROM registry_clusters WHERE ($1::text IS NULL OR zone_id = $1) ORDER BY cluster_id`, [filter.zoneId ?? null]);
  }

  async cluster(clusterId: string) {
    const cluster = one('cluster', clusterId, await this.sql.query(`SELECT ${CLUSTER} FROM registry_clusters WHERE cluster_id = $1`, [clusterId]));
    const members = await this.sql.query(
      `SELECT school_id AS "schoolId", from_year AS "fromYear", until_year AS "untilYear", strategy
       FROM registry_memberships WHERE cluster_id = $1 ORDER BY school_id, from_year`,
      [clusterId],
    );
    return { ...cluster, members };
  }

  async schools(filter: { districtId?: string; clusterId?: string }) {
    return this.sql.query(
      `SELECT ${SCHOOL} FROM registry_schools s
       WHERE ($1::text IS NULL OR district_id = $1)
         AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM registry_memberships m WHERE m.school_id = s.school_id AND m.cluster_id = $2))
       ORDER BY school_id`,
      [filter.districtId ?? null, filter.clusterId ?? null],
    );
  }

  async school(schoolId: string) {
    const school = one('school', schoolId, await this.sql.query(`SELECT ${SCHOOL} FROM registry_schools s WHERE school_id = $1`, [schoolId]));
    const memberships = await this.sql.query(
      `SELECT cluster_id AS "clusterId", from_year AS "fromYear", until_year AS "untilYear", strategy
       FROM registry_memberships WHERE school_id = $1 ORDER BY from_year`,
      [schoolId],
    );
    return { ...school, memberships };
  }

  async partners() {
    return this.sql.query(`SELECT ${PARTNER} FROM registry_partners ORDER BY partner_id`);
  }

  async partner(partnerId: string) {
    return one('partner', partnerId, await this.sql.query(`SELECT ${PARTNER} FROM registry_partners WHERE partner_id = $1`, [partnerId]));
  }

  async contracts(filter: { clusterId?: string; partnerId?: string }) {
    return this.sql.query(
      `SELECT ${CONTRACT} FROM registry_contracts WHERE ($1::text IS NULL OR cluster_id = $1) AND ($2::text IS NULL OR partner_id = $2) ORDER BY contract_id`,
      [filter.clusterId ?? null, filter.partnerId ?? null],
    );
  }

  async contract(contractId: string) {
    return one('contract', contractId, await this.sql.query(`SELECT ${CONTRACT} FROM registry_contracts WHERE contract_id = $1`, [contractId]));
  }
}

const ZONE = `zone_id AS "zoneId", state_code AS "stateCode", name, district_ids AS "districtIds"`;
const CLUSTER = `cluster_id AS "clusterId", zone_id AS "zoneId", name`;
const SCHOOL = `school_id AS "schoolId", district_id AS "districtId", name, grade_span AS "gradeSpan", nces_id AS "ncesId"`;
const PARTNER = `partner_id AS "partnerId", name, role`;
const CONTRACT = `contract_id AS "contractId", partner_id AS "partnerId", cluster_id AS "clusterId", school_ids AS "schoolIds", governance,
  start_year AS "startYear", term_years AS "termYears", baseline_year AS "baselineYear", status, targets,
  terminated_at AS "terminatedAt", termination_reason AS "terminationReason"`;

function one<Row>(entity: string, id: string, rows: Row[]): Row {
  if (rows.length === 0) throw new NotFoundError(entity, id);
  return rows[0];
}
