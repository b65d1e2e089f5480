import { REGISTRY_EVENTS, RegistryEvent } from '@turnaround/domain';
import { Projection, StoredEvent } from '@turnaround/event-store';
import { SqlExecutor } from '@turnaround/postgres';


/**
 * The registry as tables: zones, clusters, schools with their memberships by school year,
 * partners, contracts. A membership keeps when it was learned and when its end was, so a read
 * as of a date sees the clusters as they were known then; a school's district, which a move
 * changes, keeps each district with when it was learned (`registry_school_districts`). Names
 * and a zone's districts are kept as they stand now: no read as of a date depends on them.
 * `recorded_at` of a zone or school stays when it was established or registered.
 */
export const registryProjection: Projection = {
  name: 'registry',
  eventTypes: REGISTRY_EVENTS.types,
  tables: ['registry_zones', 'registry_clusters', 'registry_schools', 'registry_memberships', 'registry_partners', 'registry_contracts', 'registry_school_districts'],
  migrations: [
    {
      id: '0001-registry',
      sql: `
        CREATE TABLE registry_zones (
          zone_id text PRIMARY KEY, state_code text NOT NULL, name text NOT NULL, district_ids text[] NOT NULL,
          recorded_at timestamptz NOT NULL);
        CREATE TABLE registry_clusters (
          cluster_id text PRIMARY KEY, zone_id text NOT NULL, name text NOT NULL, recorded_at timestamptz NOT NULL);
        CREATE INDEX registry_clusters_zone ON registry_clusters (zone_id);
        CREATE TABLE registry_schools (
          school_id text PRIMARY KEY, district_id text NOT NULL, name text NOT NULL, grade_span text NOT NULL, nces_id text,
          recorded_at timestamptz NOT NULL);
        CREATE INDEX registry_schools_district ON registry_schools (district_id);
        -- A school belongs to cluster_id from from_year up to, not including, until_year.
        CREATE TABLE registry_memberships (
          school_id text NOT NULL, cluster_id text NOT NULL, from_year text NOT NULL, until_year text, strategy text NOT NULL,
          PRIMARY KEY (school_id, cluster_id, from_year));
        CREATE INDEX registry_memberships_cluster ON registry_memberships (cluster_id);
        CREATE TABLE registry_partners (
          partner_id text PRIMARY KEY, name text NOT NULL, role text NOT NULL, recorded_at timestamptz NOT NULL);
        CREATE TABLE registry_contracts (
          contract_id text PRIMARY KEY, partner_id text NOT NULL, cluster_id text NOT NULL, school_ids text[] NOT NULL,
          governance text NOT NULL, start_year text NOT NULL, term_years integer NOT NULL, baseline_year text NOT NULL,
          status text NOT NULL, targets jsonb NOT NULL, recorded_at timestamptz NOT NULL);
        CREATE INDEX registry_contracts_cluster ON registry_contracts (cluster_id);
      `,
    },
    {
      id: '0002-knowledge-times',
      sql: `
        ALTER TABLE registry_memberships ADD COLUMN recorded_at timestamptz, ADD COLUMN left_recorded_at timestamptz;
        ALTER TABLE registry_contracts ADD COLUMN terminated_at timestamptz, ADD COLUMN termination_reason text;`,
    },
    {
      // A school's district from each knowledge time on. Before schools could move, a school
      // had the district it was registered with, from its registration: the rows a replay of the
      // same log writes.
      id: '0003-school-districts',
      sql: `
        CREATE TABLE registry_school_districts (
          school_id text NOT NULL, district_id text NOT NULL, recorded_at timestamptz NOT NULL, PRIMARY KEY (school_id, recorded_at));
        INSERT INTO registry_school_districts (school_id, district_id, recorded_at) SELECT school_id, district_id, recorded_at FROM registry_schools;`,
    },
  ],
  async apply(tx, events) {
    for (const stored of events) await applyRegistryEvent(tx, REGISTRY_EVENTS.decode(stored), stored);
  },
};

// Each event is applied exactly once: the runner moves the checkpoint in the same transaction.
async function applyRegistryEvent(tx: SqlExecutor, event: RegistryEvent, stored: StoredEvent): Promise<void> {
  const at = stored.metadata.recordedAt;
  switch (event.type) {
    case 'ZoneEstablished': {
      const d = event.data;
      await tx.query(
        `INSERT INTO registry_zones VALUES ($1, $2, $3, $4, $5) ON CONFLICT (zone_id) DO UPDATE
         SET state_code = $2, name = $3, district_ids = $4, recorded_at = $5`,
        [d.zoneId, d.stateCode, d.name, d.districtIds, at],
      );
      return;
    }
    case 'ZoneRenamed':
      await tx.query(`UPDATE registry_zones SET name = $2 WHERE zone_id = $1`, [event.data.zoneId, event.data.name]);
      return;
    case 'ZoneDistrictsChanged':
      await tx.query(`UPDATE registry_zones SET district_ids = $2 WHERE zone_id = $1`, [event.data.zoneId, event.data.districtIds]);
      return;
    case 'ClusterFormed': {
      const d = event.data;
      await tx.query(
        `INSERT INTO registry_clusters VALUES ($1, $2, $3, $4) ON CONFLICT (cluster_id) DO UPDATE SET zone_id = $2, name = $3, recorded_at = $4`,
        [d.clusterId, d.zoneId, d.name, at],
      );
      return;
    }
    case 'SchoolRegistered': {
      const d = event.data;
      await tx.query(
        `INSERT INTO registry_schools VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (school_id) DO UPDATE
         SET district_id = $2, name = $3, grade_span = $4, nces_id = $5, recorded_at = $6`,
        [d.schoolId, d.districtId, d.name, d.gradeSpan, d.ncesId ?? null, at],
      );
      await schoolDistrictFrom(tx, d.schoolId, d.districtId, at);
      return;
    }
    case 'SchoolRenamed':
      await tx.query(`UPDATE registry_schools SET name = $2 WHERE school_id = $1`, [event.data.schoolId, event.data.name]);
      return;
    case 'SchoolMovedDistrict':
      // From now on the district owns the school (ownership.ts reads district_id); as-of reads take the history.
      await tx.query(`UPDATE registry_schools SET district_id = $2 WHERE school_id = $1`, [event.data.schoolId, event.data.districtId]);
      await schoolDistrictFrom(tx, event.data.schoolId, event.data.districtId, at);
      return;
    case 'SchoolAssignedToCluster': {
      const d = event.data;
      await tx.query(
        `INSERT INTO registry_memberships (school_id, cluster_id, from_year, until_year, strategy, recorded_at) VALUES ($1, $2, $3, NULL, $4, $5)
         ON CONFLICT (school_id, cluster_id, from_year) DO UPDATE SET strategy = $4`,
        [d.schoolId, d.clusterId, d.fromYear, d.strategy, at],
      );
      return;
    }
    case 'SchoolLeftCluster': {
      const d = event.data;
      await tx.query(`UPDATE registry_memberships SET until_year = $3, left_recorded_at = $4 WHERE school_id = $1 AND cluster_id = $2 AND until_year IS NULL`,
        [d.schoolId, d.clusterId, d.fromYear, at],
      );
      return;
    }
    case 'PartnerRegistered': {
      const d = event.data;
      await tx.query(
        `INSERT INTO registry_partners VALUES ($1, $2, $3, $4) ON CONFLICT (partner_id) DO UPDATE SET name = $2, role = $3, recorded_at = $4`,
        [d.partnerId, d.name, d.role, at],
      );
      return;
    }
    case 'PerformanceContractSigned': {
      const d = event.data;
      await tx.query(
        `INSERT INTO registry_contracts (contract_id, partner_id, cluster_id, school_ids, governance, start_year, term_years, baseline_year, status, targets, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10) ON CONFLICT (contract_id) DO NOTHING`,
        [d.contractId, d.partnerId, d.clusterId, d.schoolIds, d.governance, d.startYear, d.termYears, d.baselineYear, JSON.stringify(d.targets), at],
      );
      return;
    }
    case 'ContractTargetsAmended':
      // An amendment changes only the targets it names, and never those of a final year, which
      // the scorecards know: the read side's scorecards part (applyContractTargets) writes the
      // targets in force here, in the same transaction.
      return;
    case 'ContractRenewed':
      await tx.query(
        `UPDATE registry_contracts SET term_years = term_years + $2, targets = targets || $3::jsonb WHERE contract_id = $1`,
        [event.data.contractId, event.data.additionalYears, JSON.stringify(event.data.targets)],
      );
      return;
    case 'ContractTerminated':
      await tx.query(`UPDATE registry_contracts SET status = 'terminated', terminated_at = $2, termination_reason = $3 WHERE contract_id = $1`, [
        event.data.contractId,
        at,
        event.data.reason,
      ]);
      return;
  }
}

/** The school's district from knowledge time `at` on; an event applied again writes the same row. */
function schoolDistrictFrom(tx: SqlExecutor, schoolId: string, districtId: string, at: string): Promise<unknown> {
  return tx.query(
    `INSERT INTO registry_school_districts (school_id, district_id, recorded_at) VALUES ($1, $2, $3)
     ON CONFLICT (school_id, recorded_at) DO UPDATE SET district_id = $2`,
    [schoolId, districtId, at],
  );
}
