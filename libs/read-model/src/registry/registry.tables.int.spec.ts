import { RegistryEvent, Target } from '@turnaround/domain';
import { migrate, SqlClient } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { planRegistryChanges } from './registry.planner';
import { registryProjection } from './registry.projection';
import { REGISTRY_TABLES } from './registry.tables';
import { writeRowChanges } from '../rows/row-changes';
import { declaredShape, migratedShape } from '../rows/table-shapes.testing';

const T1 = '2024-01-15T09:00:00.000Z';
const T2 = '2024-03-01T09:00:00.000Z';
const T3 = '2024-06-30T09:00:00.000Z';
const MATH: Target = { metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' };
const ELA: Target = { metric: 'proficiency.ela', contractYear: 4, kind: 'absolute', value: 0.5, scope: 'cluster' };

/** The registry's adapter: its column lists against the migrated tables, and the writer's SQL on each database. */
describe.each(testDatabases())('the registry tables on $name', (database) => {
  let sql: SqlClient;
  beforeAll(async () => {
    sql = await database.open();
    await migrate(sql, 'projection:registry', registryProjection.migrations);
  });
  afterAll(() => sql.close());

  it.each(Object.entries(REGISTRY_TABLES))('%s has the columns, types, nulls and primary key of its column list', async (name, table) => {
    expect(await migratedShape(sql, name)).toEqual(await declaredShape(sql, table));
  });

  it('writes planned changes: a whole row in place of one with its key, only the open membership ended, a renewal added to term and targets', async () => {
    const events: [string, RegistryEvent][] = [
      [T1, { type: 'SchoolRegistered', data: { schoolId: 'S1', districtId: 'D1', name: 'Adams Middle', gradeSpan: '06-08' } }],
      [T1, { type: 'SchoolAssignedToCluster', data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' } }],
      [T2, { type: 'SchoolLeftCluster', data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2024-25' } }],
      [T2, { type: 'SchoolAssignedToCluster', data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2025-26', strategy: 'close_reopen' } }],
      [T3, { type: 'SchoolMovedDistrict', data: { schoolId: 'S1', districtId: 'D2' } }],
      [T3, { type: 'SchoolRegistered', data: { schoolId: 'S1', districtId: 'D2', name: 'Adams Academy', gradeSpan: '06-08', ncesId: '250000100001' } }],
      [
        T1,
        {
          type: 'PerformanceContractSigned',
          data: {
            contractId: 'K1',
            partnerId: 'P1',
            clusterId: 'C1',
            schoolIds: ['S1'],
            governance: 'managing_partner',
            startYear: '2024-25',
            termYears: 3,
            baselineYear: '2023-24',
            targets: [MATH],
          },
        },
      ],
      [T2, { type: 'ContractRenewed', data: { contractId: 'K1', additionalYears: 2, targets: [ELA] } }],
      [T3, { type: 'ContractTerminated', data: { contractId: 'K1', reason: 'partner withdrew' } }],
    ];
    await sql.transaction((tx) =>
      writeRowChanges(
        tx,
        REGISTRY_TABLES,
        events.flatMap(([knownAt, event]) => planRegistryChanges(event, knownAt)),
      ),
    );

    expect(await sql.query('SELECT * FROM registry_schools')).toEqual([
      { school_id: 'S1', district_id: 'D2', name: 'Adams Academy', grade_span: '06-08', nces_id: '250000100001', recorded_at: new Date(T3) },
    ]);
    expect(await sql.query('SELECT * FROM registry_school_districts ORDER BY recorded_at')).toEqual([
      { school_id: 'S1', district_id: 'D1', recorded_at: new Date(T1) },
      { school_id: 'S1', district_id: 'D2', recorded_at: new Date(T3) },
    ]);
    expect(await sql.query('SELECT * FROM registry_memberships ORDER BY from_year')).toEqual([
      {
        school_id: 'S1',
        cluster_id: 'C1',
        from_year: '2023-24',
        until_year: '2024-25',
        strategy: 'transformation',
        recorded_at: new Date(T1),
        left_recorded_at: new Date(T2),
      },
      {
        school_id: 'S1',
        cluster_id: 'C1',
        from_year: '2025-26',
        until_year: null,
        strategy: 'close_reopen',
        recorded_at: new Date(T2),
        left_recorded_at: null,
      },
    ]);
    expect(await sql.query('SELECT * FROM registry_contracts')).toEqual([
      {
        contract_id: 'K1',
        partner_id: 'P1',
        cluster_id: 'C1',
        school_ids: ['S1'],
        governance: 'managing_partner',
        start_year: '2024-25',
        term_years: 5,
        baseline_year: '2023-24',
        status: 'terminated',
        targets: [MATH, ELA],
        recorded_at: new Date(T1),
        terminated_at: new Date(T3),
        termination_reason: 'partner withdrew',
      },
    ]);
  });
});
