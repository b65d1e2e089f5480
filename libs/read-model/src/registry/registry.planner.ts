import { exhaustive, RegistryEvent } from '@turnaround/domain';
import { RegistryRowChange } from './registry.tables';

/**
 * The registry's rows a registry event changes, the event known from `knownAt` (its
 * `recordedAt`). Pure: every change is keyed by what the event names, so no row is read to plan
 * it, and a rebuild can plan from the log alone.
 *
 * A membership keeps when it was learned and when its end was, so a read as of a date sees the
 * clusters as they were known then; a school's district, which a move changes, keeps each
 * district with when it was learned (`registry_school_districts`). Names and a zone's districts
 * are kept as they stand now: no read as of a date depends on them. `recordedAt` of a zone or
 * school stays when it was established or registered.
 */
export function planRegistryChanges(event: RegistryEvent, knownAt: string): RegistryRowChange[] {
  switch (event.type) {
    case 'ZoneEstablished': {
      const { zoneId, stateCode, name, districtIds } = event.data;
      return [{ table: 'registry_zones', op: 'upsert', key: { zoneId }, values: { stateCode, name, districtIds, recordedAt: knownAt } }];
    }
    case 'ZoneRenamed':
      return [{ table: 'registry_zones', op: 'update', key: { zoneId: event.data.zoneId }, values: { name: event.data.name } }];
    case 'ZoneDistrictsChanged':
      return [{ table: 'registry_zones', op: 'update', key: { zoneId: event.data.zoneId }, values: { districtIds: event.data.districtIds } }];
    case 'ClusterFormed': {
      const { clusterId, zoneId, name } = event.data;
      return [{ table: 'registry_clusters', op: 'upsert', key: { clusterId }, values: { zoneId, name, recordedAt: knownAt } }];
    }
    case 'SchoolRegistered': {
      const { schoolId, districtId, name, gradeSpan, ncesId } = event.data;
      return [
        { table: 'registry_schools', op: 'upsert', key: { schoolId }, values: { districtId, name, gradeSpan, ncesId: ncesId ?? null, recordedAt: knownAt } },
        schoolDistrictFrom(schoolId, districtId, knownAt),
      ];
    }
    case 'SchoolRenamed':
      return [{ table: 'registry_schools', op: 'update', key: { schoolId: event.data.schoolId }, values: { name: event.data.name } }];
    case 'SchoolMovedDistrict': {
      // From now on the district owns the school (ownership.ts reads district_id); as-of reads take the history.
      const { schoolId, districtId } = event.data;
      return [{ table: 'registry_schools', op: 'update', key: { schoolId }, values: { districtId } }, schoolDistrictFrom(schoolId, districtId, knownAt)];
    }
    case 'SchoolAssignedToCluster': {
      const { schoolId, clusterId, fromYear, strategy } = event.data;
      return [
        {
          table: 'registry_memberships',
          op: 'upsert',
          key: { schoolId, clusterId, fromYear },
          values: { untilYear: null, strategy, recordedAt: knownAt, leftRecordedAt: null },
        },
      ];
    }
    case 'SchoolLeftCluster': {
      // The school's open membership of the cluster ends (the decider allows one at a time); `fromYear` is the first year without it.
      const { schoolId, clusterId, fromYear } = event.data;
      return [
        {
          table: 'registry_memberships',
          op: 'update',
          key: { schoolId, clusterId, untilYear: null },
          values: { untilYear: fromYear, leftRecordedAt: knownAt },
        },
      ];
    }
    case 'PartnerRegistered': {
      const { partnerId, name, role } = event.data;
      return [{ table: 'registry_partners', op: 'upsert', key: { partnerId }, values: { name, role, recordedAt: knownAt } }];
    }
    case 'PerformanceContractSigned': {
      const { contractId, partnerId, clusterId, schoolIds, governance, startYear, termYears, baselineYear, targets } = event.data;
      return [
        {
          table: 'registry_contracts',
          op: 'upsert',
          key: { contractId },
          values: {
            partnerId,
            clusterId,
            schoolIds,
            governance,
            startYear,
            termYears,
            baselineYear,
            status: 'active',
            targets,
            recordedAt: knownAt,
            terminatedAt: null,
            terminationReason: null,
          },
        },
      ];
    }
    case 'ContractTargetsAmended':
      // An amendment changes only the targets it names, and never those of a final year, which
      // the scorecards know: the read side's scorecards part (applyContractTargets) writes the
      // targets in force to the contract's row, in the same transaction.
      return [];
    case 'ContractRenewed': {
      const { contractId, additionalYears, targets } = event.data;
      return [{ table: 'registry_contracts', op: 'extend', key: { contractId }, values: { termYears: additionalYears, targets } }];
    }
    case 'ContractTerminated':
      return [
        {
          table: 'registry_contracts',
          op: 'update',
          key: { contractId: event.data.contractId },
          values: { status: 'terminated', terminatedAt: knownAt, terminationReason: event.data.reason },
        },
      ];
    default:
      return exhaustive(event);
  }
}

/** The school's district from knowledge time `at` on; planned again, it is the same row. */
function schoolDistrictFrom(schoolId: string, districtId: string, at: string): RegistryRowChange {
  return { table: 'registry_school_districts', op: 'upsert', key: { schoolId, recordedAt: at }, values: { districtId } };
}
