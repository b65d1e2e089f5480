import { RowChange, table } from '../rows/row-changes';

/**
 * The registry's tables, each as its migrations (registry.projection.ts) made it, in the order
 * the read side lists and rebuilds them. The migrations stay the tables' history; the adapter
 * suite holds these lists to the columns a migrated database has.
 */
export const REGISTRY_TABLES = {
  registry_zones: table({ zoneId: 'text', stateCode: 'text', name: 'text', districtIds: 'text[]', recordedAt: 'timestamptz' }, ['zoneId']),
  registry_clusters: table({ clusterId: 'text', zoneId: 'text', name: 'text', recordedAt: 'timestamptz' }, ['clusterId']),
  registry_schools: table({ schoolId: 'text', districtId: 'text', name: 'text', gradeSpan: 'text', ncesId: 'text null', recordedAt: 'timestamptz' }, [
    'schoolId',
  ]),
  /**
   * A school belongs to the cluster from `fromYear` up to, not including, `untilYear`; known
   * from `recordedAt`, its end from `leftRecordedAt` (null in rows from before they were kept).
   */
  registry_memberships: table(
    {
      schoolId: 'text',
      clusterId: 'text',
      fromYear: 'text',
      untilYear: 'text null',
      strategy: 'text',
      recordedAt: 'timestamptz null',
      leftRecordedAt: 'timestamptz null',
    },
    ['schoolId', 'clusterId', 'fromYear'],
  ),
  registry_partners: table({ partnerId: 'text', name: 'text', role: 'text', recordedAt: 'timestamptz' }, ['partnerId']),
  registry_contracts: table(
    {
      contractId: 'text',
      partnerId: 'text',
      clusterId: 'text',
      schoolIds: 'text[]',
      governance: 'text',
      startYear: 'text',
      termYears: 'integer',
      baselineYear: 'text',
      status: 'text',
      targets: 'jsonb',
      recordedAt: 'timestamptz',
      terminatedAt: 'timestamptz null',
      terminationReason: 'text null',
    },
    ['contractId'],
  ),
  /** A school's district from each knowledge time on: the history a move adds to. */
  registry_school_districts: table({ schoolId: 'text', districtId: 'text', recordedAt: 'timestamptz' }, ['schoolId', 'recordedAt']),
};

/** A change the registry plans to one of its tables. */
export type RegistryRowChange = RowChange<typeof REGISTRY_TABLES>;
