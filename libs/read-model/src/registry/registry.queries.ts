import { CoveringContract, NotFoundError, Owner, schoolYearOfDate, ZoneMember } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';
import { ownedBy, ownerParam } from '../ownership';
import { finalContractYears, targetsInForce } from '../scorecards/scorecards.projection';

/**
 * The registry reads: zones, clusters with their members, schools with their memberships,
 * partners, contracts. A list given an `owner` holds only what that district or partner owns.
 */
export class RegistryQueries {
  constructor(private readonly sql: SqlExecutor) {}

  async zones(filter: { owner?: Owner }) {
    return this.sql.query(`SELECT ${ZONE} FROM registry_zones z WHERE ${ownedBy('zone', 'z', filter.owner, '$1')} ORDER BY zone_id`, [ownerParam(filter.owner)]);
  }

  async zone(zoneId: string) {
    return one('zone', zoneId, await this.sql.query(`SELECT ${ZONE} FROM registry_zones WHERE zone_id = $1`, [zoneId]));
  }

  async clusters(filter: { zoneId?: string; owner?: Owner }) {
    return this.sql.query(
      `SELECT ${CLUSTER} FROM registry_clusters k WHERE ($1::text IS NULL OR zone_id = $1) AND ${ownedBy('cluster', 'k', filter.owner, '$2')} ORDER BY cluster_id`,
      [filter.zoneId ?? null, ownerParam(filter.owner)],
    );
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

  async schools(filter: { districtId?: string; clusterId?: string; owner?: Owner }) {
    return this.sql.query(
      `SELECT ${SCHOOL} FROM registry_schools s
       WHERE ($1::text IS NULL OR district_id = $1)
         AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM registry_memberships m WHERE m.school_id = s.school_id AND m.cluster_id = $2))
         AND ${ownedBy('school', 's', filter.owner, '$3')}
       ORDER BY school_id`,
      [filter.districtId ?? null, filter.clusterId ?? null, ownerParam(filter.owner)],
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

  async partners(filter: { owner?: Owner }) {
    return this.sql.query(`SELECT ${PARTNER} FROM registry_partners p WHERE ${ownedBy('partner', 'p', filter.owner, '$1')} ORDER BY partner_id`, [ownerParam(filter.owner)]);
  }

  async partner(partnerId: string) {
    return one('partner', partnerId, await this.sql.query(`SELECT ${PARTNER} FROM registry_partners WHERE partner_id = $1`, [partnerId]));
  }

  async contracts(filter: { clusterId?: string; partnerId?: string; owner?: Owner }) {
    return this.withTargetsInForce(
      await this.sql.query<{ contractId: string }>(
        `SELECT ${CONTRACT} FROM registry_contracts c
         WHERE ($1::text IS NULL OR cluster_id = $1) AND ($2::text IS NULL OR partner_id = $2) AND ${ownedBy('contract', 'c', filter.owner, '$3')}
         ORDER BY contract_id`,
        [filter.clusterId ?? null, filter.partnerId ?? null, ownerParam(filter.owner)],
      ),
    );
  }

  async contract(contractId: string) {
    const [contract] = await this.withTargetsInForce(
      [one('contract', contractId, await this.sql.query<{ contractId: string }>(`SELECT ${CONTRACT} FROM registry_contracts WHERE contract_id = $1`, [contractId]))],
    );
    return contract;
  }

  /** Every contract that lists one of the schools, with the school year it was terminated in: what signing or renewing one must not overlap. */
  async contractsCovering(schoolIds: readonly string[]): Promise<CoveringContract[]> {
    const rows = await this.sql.query<{ contract_id: string; school_ids: string[]; start_year: string; term_years: number; terminated_at: Date | string | null }>(
      `SELECT contract_id, school_ids, start_year, term_years, terminated_at FROM registry_contracts WHERE school_ids && $1::text[] ORDER BY contract_id`,
      [schoolIds],
    );
    return rows.map((row) => ({
      contractId: row.contract_id,
      schoolIds: row.school_ids,
      startYear: row.start_year,
      termYears: row.term_years,
      ...(row.terminated_at === null ? {} : { terminatedIn: schoolYearOfDate(new Date(row.terminated_at).toISOString().slice(0, 10)) }),
    }));
  }

  /** Every school that is or was a member of one of the zone's clusters, with its district now: the districts a zone must keep. */
  async zoneMembers(zoneId: string): Promise<ZoneMember[]> {
    return this.sql.query<ZoneMember>(
      `SELECT DISTINCT m.school_id AS "schoolId", s.district_id AS "districtId", m.cluster_id AS "clusterId"
       FROM registry_memberships m JOIN registry_clusters k ON k.cluster_id = m.cluster_id JOIN registry_schools s ON s.school_id = m.school_id
       WHERE k.zone_id = $1 ORDER BY "schoolId", "clusterId"`,
      [zoneId],
    );
  }

  /** The contract years with a final result, whose targets an amendment may no longer change. */
  finalContractYears(contractId: string): Promise<number[]> {
    return finalContractYears(this.sql, contractId);
  }

  /**
   * A contract's targets are those in force, each with since when (knowledge time) and which
   * change set it (`signed`, `amendment N`, `renewal`), as the read side keeps them.
   */
  private async withTargetsInForce<Row extends { contractId: string }>(contracts: Row[]) {
    const targets = await targetsInForce(this.sql, contracts.map((contract) => contract.contractId));
    return contracts.map((contract) => ({ ...contract, targets: targets.get(contract.contractId) ?? [] }));
  }
}

const ZONE = `zone_id AS "zoneId", state_code AS "stateCode", name, district_ids AS "districtIds"`;
const CLUSTER = `cluster_id AS "clusterId", zone_id AS "zoneId", name`;
const SCHOOL = `school_id AS "schoolId", district_id AS "districtId", name, grade_span AS "gradeSpan", nces_id AS "ncesId"`;
const PARTNER = `partner_id AS "partnerId", name, role`;
const CONTRACT = `contract_id AS "contractId", partner_id AS "partnerId", cluster_id AS "clusterId", school_ids AS "schoolIds", governance,
  start_year AS "startYear", term_years AS "termYears", baseline_year AS "baselineYear", status,
  terminated_at AS "terminatedAt", termination_reason AS "terminationReason"`;

function one<Row>(entity: string, id: string, rows: Row[]): Row {
  if (rows.length === 0) throw new NotFoundError(entity, id);
  return rows[0];
}
