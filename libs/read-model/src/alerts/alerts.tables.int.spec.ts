import { ALERT_EVENTS, AlertEvent } from '@turnaround/domain';
import { LogFollower, PostgresEventStore } from '@turnaround/event-store';
import { SqlClient } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { writeRowChanges } from '../rows/row-changes';
import { declaredShape, migratedShape } from '../rows/table-shapes.testing';
import { planAlertChanges } from './alerts.planner';
import { alertsProjection } from './alerts.projection';
import { ALERTS_TABLES } from './alerts.tables';

jest.setTimeout(60_000);

const T1 = '2025-01-31T00:00:00.000Z';
const T2 = '2025-02-14T09:00:00.000Z';
const T3 = '2025-04-30T00:00:00.000Z';
const T4 = '2025-05-02T09:00:00.000Z';
const T5 = '2025-06-30T00:00:00.000Z';

const LINE = { contractId: 'K1', partnerId: 'P1', metric: 'attendance_rate', contractYear: 1, schoolYear: '2024-25', target: 0.93 } as const;

/** The alerts' adapter: their column lists against the migrated tables, and the writer's SQL on each database. */
describe.each(testDatabases({ timescaledb: true }))('the alerts tables on $name', (database) => {
  let sql: SqlClient;
  let store: PostgresEventStore;
  beforeAll(async () => {
    sql = await database.open();
    store = await PostgresEventStore.create(sql);
    // an empty log: the runner migrates the tables (0002 and 0004 reset the projection's checkpoint) and applies nothing
    await new LogFollower(store, sql, alertsProjection).catchUp();
  });
  afterAll(() => store.close());

  it.each(Object.entries(ALERTS_TABLES))('%s has the columns, types, nulls and primary key of its column list', async (name, table) => {
    const declared = await declaredShape(sql, table);
    // a hypertable's unique indexes hold its time (migration 0003)
    const key = database.name === 'timescaledb' && name === 'alert_history' ? [...declared.key, 'known_at'] : declared.key;
    expect(await migratedShape(sql, name)).toEqual({ ...declared, key });
  });

  it('writes a planned story: the history copies the alert after each event, and an acknowledgement leaves a resolved alert resolved', async () => {
    const stories: [string, AlertEvent][][] = [
      [
        [
          T1,
          {
            type: 'OffTrackAlertRaised',
            data: { alertId: 'A1', schoolId: 'S1', districtIds: ['D1'], ...LINE, checkpoint: 'early_warning', actual: 0.9, severity: 'warning' },
          },
        ],
        [T2, ALERT_EVENTS.decode({ type: 'OffTrackAlertAcknowledged', schemaVersion: 1, data: { alertId: 'A1', by: 'key-1', note: 'calling the principal' } })],
        [T3, { type: 'OffTrackAlertResolved', data: { alertId: 'A1', reason: 'back on track', actual: 0.96 } }],
        [T4, { type: 'OffTrackAlertAcknowledged', data: { alertId: 'A1', by: 'key-2', byName: 'Dana Reyes', note: 'noted' } }],
        [T5, { type: 'OffTrackAlertReopened', data: { alertId: 'A1', actual: 0.91, severity: 'serious' } }],
      ],
      [
        [
          T5,
          {
            type: 'OffTrackAlertRaised',
            data: { alertId: 'A2', clusterId: 'C1', districtIds: ['D1', 'D2'], ...LINE, checkpoint: 'year_end', actual: 0.8, severity: 'critical' },
          },
        ],
        [T5, { type: 'OffTrackAlertResolved', data: { alertId: 'A2', reason: 'contract_terminated', actual: null } }],
      ],
    ];
    const changes = stories.flatMap((stream) => stream.flatMap(([knownAt, event], sequence) => planAlertChanges(event, knownAt, sequence)));
    await sql.transaction((tx) => writeRowChanges(tx, ALERTS_TABLES, changes));

    const acknowledgements = [
      { by: 'key-1', byName: null, note: 'calling the principal', at: T2 },
      { by: 'key-2', byName: 'Dana Reyes', note: 'noted', at: T4 },
    ];
    expect(await sql.query('SELECT * FROM alerts ORDER BY alert_id')).toEqual([
      {
        alert_id: 'A1',
        school_id: 'S1',
        cluster_id: null,
        contract_id: 'K1',
        partner_id: 'P1',
        district_ids: ['D1'],
        metric: 'attendance_rate',
        contract_year: 1,
        school_year: '2024-25',
        checkpoint: 'early_warning',
        target: 0.93,
        actual: 0.91,
        raised_actual: 0.91,
        severity: 'serious',
        status: 'open',
        raised_at: new Date(T1),
        resolved_at: null,
        resolution: null,
        acknowledgements,
      },
      {
        alert_id: 'A2',
        school_id: null,
        cluster_id: 'C1',
        contract_id: 'K1',
        partner_id: 'P1',
        district_ids: ['D1', 'D2'],
        metric: 'attendance_rate',
        contract_year: 1,
        school_year: '2024-25',
        checkpoint: 'year_end',
        target: 0.93,
        actual: null,
        raised_actual: 0.8,
        severity: 'critical',
        status: 'resolved',
        raised_at: new Date(T5),
        resolved_at: new Date(T5),
        resolution: 'contract_terminated',
        acknowledgements: [],
      },
    ]);
    expect(
      await sql.query(
        `SELECT alert_id, sequence, known_at, status, actual, raised_actual, severity, resolution, jsonb_array_length(acknowledgements) AS acknowledged
         FROM alert_history ORDER BY alert_id, sequence`,
      ),
    ).toEqual([
      {
        alert_id: 'A1',
        sequence: 0,
        known_at: new Date(T1),
        status: 'open',
        actual: 0.9,
        raised_actual: 0.9,
        severity: 'warning',
        resolution: null,
        acknowledged: 0,
      },
      {
        alert_id: 'A1',
        sequence: 1,
        known_at: new Date(T2),
        status: 'acknowledged',
        actual: 0.9,
        raised_actual: 0.9,
        severity: 'warning',
        resolution: null,
        acknowledged: 1,
      },
      {
        alert_id: 'A1',
        sequence: 2,
        known_at: new Date(T3),
        status: 'resolved',
        actual: 0.96,
        raised_actual: 0.9,
        severity: 'warning',
        resolution: 'back on track',
        acknowledged: 1,
      },
      {
        alert_id: 'A1',
        sequence: 3,
        known_at: new Date(T4),
        status: 'resolved',
        actual: 0.96,
        raised_actual: 0.9,
        severity: 'warning',
        resolution: 'back on track',
        acknowledged: 2,
      },
      {
        alert_id: 'A1',
        sequence: 4,
        known_at: new Date(T5),
        status: 'open',
        actual: 0.91,
        raised_actual: 0.91,
        severity: 'serious',
        resolution: null,
        acknowledged: 2,
      },
      {
        alert_id: 'A2',
        sequence: 0,
        known_at: new Date(T5),
        status: 'open',
        actual: 0.8,
        raised_actual: 0.8,
        severity: 'critical',
        resolution: null,
        acknowledged: 0,
      },
      {
        alert_id: 'A2',
        sequence: 1,
        known_at: new Date(T5),
        status: 'resolved',
        actual: null,
        raised_actual: 0.8,
        severity: 'critical',
        resolution: 'contract_terminated',
        acknowledged: 0,
      },
    ]);
  });
});
