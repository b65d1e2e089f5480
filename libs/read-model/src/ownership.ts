import { Owner } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';

/** What a district or partner may own (docs/roles.md), each a table of the read model and its id column. */
export const OWNED_KINDS = {
  zone: { table: 'registry_zones', id: 'zone_id' },
  cluster: { table: 'registry_clusters', id: 'cluster_id' },
  school: { table: 'registry_schools', id: 'school_id' },
  partner: { table: 'registry_partners', id: 'partner_id' },
  contract: { table: 'registry_contracts', id: 'contract_id' },
  alert: { table: 'alerts', id: 'alert_id' },
} as const;
export type OwnedKind = keyof typeof OWNED_KINDS;

/**
 * Whether the row `row` (of its kind's table) belongs to the owner whose id is the SQL
 * parameter `param`. A district owns its schools, and the zones, clusters, contracts and
 * partners that hold one of them; a partner owns its contracts, their clusters, zones and
 * schools, and itself. Alerts go to the districts they name and to the contract's partner.
 * One definition, read by the access guard (a single id) and by every narrowed list.
 */
const OWNED_BY: Record<OwnedKind, Record<Owner['kind'], (row: string, param: string) => string>> = {
  zone: {
    district: (row, param) => `EXISTS (SELECT 1 FROM registry_clusters ok JOIN registry_memberships om ON om.cluster_id = ok.cluster_id
      JOIN registry_schools os ON os.school_id = om.school_id WHERE ok.zone_id = ${row}.zone_id AND os.district_id = ${param})`,
    partner: (row, param) => `EXISTS (SELECT 1 FROM registry_contracts oc JOIN registry_clusters ok ON ok.cluster_id = oc.cluster_id
      WHERE ok.zone_id = ${row}.zone_id AND oc.partner_id = ${param})`,
  },
  cluster: {
    district: (row, param) => `EXISTS (SELECT 1 FROM registry_memberships om JOIN registry_schools os ON os.school_id = om.school_id
      WHERE om.cluster_id = ${row}.cluster_id AND os.district_id = ${param})`,
    partner: (row, param) => `EXISTS (SELECT 1 FROM registry_contracts oc WHERE oc.cluster_id = ${row}.cluster_id AND oc.partner_id = ${param})`,
  },
  school: {
    district: (row, param) => `${row}.district_id = ${param}`,
    partner: (row, param) => `EXISTS (SELECT 1 FROM registry_contracts oc WHERE ${row}.school_id = ANY(oc.school_ids) AND oc.partner_id = ${param})`,
  },
  partner: {
    district: (row, param) => `EXISTS (SELECT 1 FROM registry_contracts oc JOIN registry_schools os ON os.school_id = ANY(oc.school_ids)
      WHERE oc.partner_id = ${row}.partner_id AND os.district_id = ${param})`,
    partner: (row, param) => `${row}.partner_id = ${param}`,
  },
  contract: {
    district: (row, param) => `EXISTS (SELECT 1 FROM registry_schools os WHERE os.school_id = ANY(${row}.school_ids) AND os.district_id = ${param})`,
    partner: (row, param) => `${row}.partner_id = ${param}`,
  },
  alert: {
    district: (row, param) => `${param} = ANY(${row}.district_ids)`,
    partner: (row, param) => `${row}.partner_id = ${param}`,
  },
};

/** The value to bind to the `param` of `ownedBy`: the owner's id, null for a caller who is not narrowed. */
export function ownerParam(owner: Owner | undefined): string | null {
  return owner ? (owner.kind === 'district' ? owner.districtId : owner.partnerId) : null;
}

/**
 * SQL for "the row aliased `row` is the owner's", where `param` (e.g. `$3`) is bound to
 * `ownerParam(owner)`. Without an owner every row passes, and the parameter is still read, so
 * one statement serves both.
 */
export function ownedBy(kind: OwnedKind, row: string, owner: Owner | undefined, param: string): string {
  return owner ? `(${OWNED_BY[kind][owner.kind](row, `${param}::text`)})` : `${param}::text IS NULL`;
}

/** Whether the district or partner owns the zone, cluster, school, partner, contract or alert of that id. */
export async function owns(sql: SqlExecutor, kind: OwnedKind, id: string, owner: Owner): Promise<boolean> {
  const { table, id: column } = OWNED_KINDS[kind];
  const [row] = await sql.query<{ owned: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${table} x WHERE x.${column} = $1 AND ${ownedBy(kind, 'x', owner, '$2')}) AS owned`,
    [id, ownerParam(owner)],
  );
  return row.owned;
}
