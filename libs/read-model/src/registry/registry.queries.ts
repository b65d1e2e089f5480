import { CoveringContract, NotFoundError, Owner, schoolYearOfDate, ZoneMember } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';
import { ownedBy, ownerParam } from '../ownership';
import { finalContractYears, targetsInForce } from '../scorecards/scorecards.projection';
import { REGISTRY_TABLES } from './registry.tables';
import { selectList } from '../rows/row-changes';

/**
 * The registry reads: zones, clusters with their members, schools with their memberships,
 * partners, contracts. A list given an `owner` holds only what that district or partner owns.
 */
export class RegistryQueries {
  constructor(private readonly sql: SqlExecutor) {}

  async zones(filter: { owner?: Owner }) {
    return this.sql.query(`SELECT ${ZONE} FROM registry_zones z WHERE ${ownedBy('zone', 'z', filter.owner, '$1')} ORDER BY zone_id`, [
      ownerParam(filter.owner),
    ]);
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
      `SELECT ${selectList(MEMBERSHIPS, ['schoolId', 'fromYear', 'untilYear', 'strategy'])}
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
      `SELECT ${selectList(MEMBERSHIPS, ['clusterId', 'fromYear', 'untilYear', 'strategy'])}
       FROM registry_memberships WHERE school_id = $1 ORDER BY from_year`,
      [schoolId],
    );
    return { ...school, memberships };
  }

  async partners(filter: { owner?: Owner }) {
    return this.sql.query(`SELECT ${PARTNER} FROM registry_partners p WHERE ${ownedBy('partner', 'p', filter.owner, '$1')} ORDER BY partner_id`, [
      ownerParam(filter.owner),
    ]);
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
    const [contract] = await this.withTargetsInForce([
      one(
        'contract',
        contractId,
        await this.sql.query<{ contractId: string }>(`SELECT ${CONTRACT} FROM registry_contracts WHERE contract_id = $1`, [contractId]),
      ),
    ]);
    return contract;
  }

  /** Every contract that lists one of the schools, with the school year it was terminated in: what signing or renewing one must not overlap. */
  async contractsCovering(schoolIds: readonly string[]): Promise<CoveringContract[]> {
    const rows = await this.sql.query<{ contractId: string; schoolIds: string[]; startYear: string; termYears: number; terminatedAt: Date | string | null }>(
      `SELECT ${selectList(CONTRACTS, ['contractId', 'schoolIds', 'startYear', 'termYears', 'terminatedAt'])}
       FROM registry_contracts WHERE school_ids && $1::text[] ORDER BY contract_id`,
      [schoolIds],
    );
    return rows.map(({ terminatedAt, ...contract }) => ({
      ...contract,
      ...(terminatedAt === null ? {} : { terminatedIn: schoolYearOfDate(new Date(terminatedAt).toISOString().slice(0, 10)) }),
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
    const targets = await targetsInForce(
      this.sql,
      contracts.map((contract) => contract.contractId),
    );
    return contracts.map((contract) => ({ ...contract, targets: targets.get(contract.contractId) ?? [] }));
  }
}

const {
  registry_zones: ZONES,
  registry_clusters: CLUSTERS,
  registry_schools: SCHOOLS,
  registry_memberships: MEMBERSHIPS,
  registry_partners: PARTNERS,
  registry_contracts: CONTRACTS,
} = REGISTRY_TABLES;
const ZONE = selectList(ZONES, ['zoneId', 'stateCode', 'name', 'districtIds']);
const CLUSTER = selectList(CLUSTERS, ['clusterId', 'zoneId', 'name']);
const SCHOOL = selectList(SCHOOLS, ['schoolId', 'districtId', 'name', 'gradeSpan', 'ncesId']);
const PARTNER = selectList(PARTNERS, ['partnerId', 'name', 'role']);
const CONTRACT = selectList(CONTRACTS, [
  'contractId',
  'partnerId',
  'clusterId',
  'schoolIds',
  'governance',
  'startYear',
  'termYears',
  'baselineYear',
  'status',
  'terminatedAt',
  'terminationReason',
]);

function one<Row>(entity: string, id: string, rows: Row[]): Row {
  if (rows.length === 0) throw new NotFoundError(entity, id);
  return rows[0];
}
