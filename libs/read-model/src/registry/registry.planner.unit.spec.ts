import { RegistryEvent, Target } from '@turnaround/domain';
import { planRegistryChanges } from './registry.planner';
import { RegistryRowChange } from './registry.tables';

const T1 = '2024-01-15T09:00:00.000Z';
const T2 = '2024-03-01T09:00:00.000Z';
const T3 = '2024-06-30T09:00:00.000Z';

/** Given these events, each known from its time, then these row changes, in log order. */
const given = (...events: [knownAt: string, event: RegistryEvent][]) => ({
  then: (expected: RegistryRowChange[]) => expect(events.flatMap(([knownAt, event]) => planRegistryChanges(event, knownAt))).toEqual(expected),
});

const MATH: Target = { metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' };
const ELA: Target = { metric: 'proficiency.ela', contractYear: 4, kind: 'absolute', value: 0.5, scope: 'cluster' };

describe('the registry planner: given registry events, then the rows they change', () => {
  it('establishes a zone with its districts, then keeps its name and districts as they stand now', () => {
    given(
      [T1, { type: 'ZoneEstablished', data: { zoneId: 'Z1', stateCode: 'MA', name: 'North Zone', districtIds: ['D1', 'D2'] } }],
      [T2, { type: 'ZoneRenamed', data: { zoneId: 'Z1', name: 'Northern Zone' } }],
      [T3, { type: 'ZoneDistrictsChanged', data: { zoneId: 'Z1', districtIds: ['D1', 'D2', 'D3'] } }],
    ).then([
      {
        table: 'registry_zones',
        op: 'upsert',
        key: { zoneId: 'Z1' },
        values: { stateCode: 'MA', name: 'North Zone', districtIds: ['D1', 'D2'], recordedAt: T1 },
      },
      { table: 'registry_zones', op: 'update', key: { zoneId: 'Z1' }, values: { name: 'Northern Zone' } },
      { table: 'registry_zones', op: 'update', key: { zoneId: 'Z1' }, values: { districtIds: ['D1', 'D2', 'D3'] } },
    ]);
  });

  it('forms a cluster in its zone', () => {
    given([T1, { type: 'ClusterFormed', data: { clusterId: 'C1', zoneId: 'Z1', name: 'Cluster One' } }]).then([
      { table: 'registry_clusters', op: 'upsert', key: { clusterId: 'C1' }, values: { zoneId: 'Z1', name: 'Cluster One', recordedAt: T1 } },
    ]);
  });

  it('registers a school with its district from its registration on; a school without an NCES id has none', () => {
    given(
      [T1, { type: 'SchoolRegistered', data: { schoolId: 'S1', districtId: 'D1', name: 'Adams Middle', gradeSpan: '06-08', ncesId: '250000100001' } }],
      [T2, { type: 'SchoolRegistered', data: { schoolId: 'S2', districtId: 'D2', name: 'Brook Elementary', gradeSpan: 'KG-05' } }],
    ).then([
      {
        table: 'registry_schools',
        op: 'upsert',
        key: { schoolId: 'S1' },
        values: { districtId: 'D1', name: 'Adams Middle', gradeSpan: '06-08', ncesId: '250000100001', recordedAt: T1 },
      },
      { table: 'registry_school_districts', op: 'upsert', key: { schoolId: 'S1', recordedAt: T1 }, values: { districtId: 'D1' } },
      {
        table: 'registry_schools',
        op: 'upsert',
        key: { schoolId: 'S2' },
        values: { districtId: 'D2', name: 'Brook Elementary', gradeSpan: 'KG-05', ncesId: null, recordedAt: T2 },
      },
      { table: 'registry_school_districts', op: 'upsert', key: { schoolId: 'S2', recordedAt: T2 }, values: { districtId: 'D2' } },
    ]);
  });

  it('renames a school in place, and moves it: its district now, and a district history row from the move on', () => {
    given(
      [T2, { type: 'SchoolRenamed', data: { schoolId: 'S1', name: 'Adams Academy' } }],
      [T3, { type: 'SchoolMovedDistrict', data: { schoolId: 'S1', districtId: 'D3' } }],
    ).then([
      { table: 'registry_schools', op: 'update', key: { schoolId: 'S1' }, values: { name: 'Adams Academy' } },
      { table: 'registry_schools', op: 'update', key: { schoolId: 'S1' }, values: { districtId: 'D3' } },
      { table: 'registry_school_districts', op: 'upsert', key: { schoolId: 'S1', recordedAt: T3 }, values: { districtId: 'D3' } },
    ]);
  });

  it('assigns a school to a cluster from a school year, then ends the open membership with the year it leaves and when that was learned', () => {
    given(
      [T1, { type: 'SchoolAssignedToCluster', data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' } }],
      [T3, { type: 'SchoolLeftCluster', data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2025-26' } }],
    ).then([
      {
        table: 'registry_memberships',
        op: 'upsert',
        key: { schoolId: 'S1', clusterId: 'C1', fromYear: '2023-24' },
        values: { untilYear: null, strategy: 'transformation', recordedAt: T1, leftRecordedAt: null },
      },
      {
        table: 'registry_memberships',
        op: 'update',
        key: { schoolId: 'S1', clusterId: 'C1', untilYear: null },
        values: { untilYear: '2025-26', leftRecordedAt: T3 },
      },
    ]);
  });

  it('registers a partner with its role', () => {
    given([T1, { type: 'PartnerRegistered', data: { partnerId: 'P1', name: 'Turnaround Partners', role: 'lead' } }]).then([
      { table: 'registry_partners', op: 'upsert', key: { partnerId: 'P1' }, values: { name: 'Turnaround Partners', role: 'lead', recordedAt: T1 } },
    ]);
  });

  it('signs a contract active; an amendment leaves the row to the scorecards part; a renewal grows term and targets; a termination keeps when and why', () => {
    given(
      [
        T1,
        {
          type: 'PerformanceContractSigned',
          data: {
            contractId: 'K1',
            partnerId: 'P1',
            clusterId: 'C1',
            schoolIds: ['S1', 'S2'],
            governance: 'district_lead_partner',
            startYear: '2024-25',
            termYears: 3,
            baselineYear: '2023-24',
            targets: [MATH],
          },
        },
      ],
      [
        T2,
        { type: 'ContractTargetsAmended', data: { contractId: 'K1', targets: [{ ...MATH, value: 0.04 }], remove: [], reason: 'renegotiated', amendment: 1 } },
      ],
      [T2, { type: 'ContractRenewed', data: { contractId: 'K1', additionalYears: 2, targets: [ELA] } }],
      [T3, { type: 'ContractTerminated', data: { contractId: 'K1', reason: 'partner withdrew' } }],
    ).then([
      {
        table: 'registry_contracts',
        op: 'upsert',
        key: { contractId: 'K1' },
        values: {
          partnerId: 'P1',
          clusterId: 'C1',
          schoolIds: ['S1', 'S2'],
          governance: 'district_lead_partner',
          startYear: '2024-25',
          termYears: 3,
          baselineYear: '2023-24',
          status: 'active',
          targets: [MATH],
          recordedAt: T1,
          terminatedAt: null,
          terminationReason: null,
        },
      },
      { table: 'registry_contracts', op: 'extend', key: { contractId: 'K1' }, values: { termYears: 2, targets: [ELA] } },
      {
        table: 'registry_contracts',
        op: 'update',
        key: { contractId: 'K1' },
        values: { status: 'terminated', terminatedAt: T3, terminationReason: 'partner withdrew' },
      },
    ]);
  });
});
