import { alertIdOf, offTrackAlertResolved } from '@turnaround/domain';
import { EventToAppend, LogFollower, PostgresEventStore, Projection } from '@turnaround/event-store';
import { wholeLog } from '@turnaround/event-store/testing';
import { SqlClient } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { AlertQueries } from './alert.queries';
import { alertsProjection } from './alerts.projection';

jest.setTimeout(60_000);

const line = { scope: 'school', subjectId: 'S1', metric: 'attendance_rate', contractYear: 1 } as const;
const early = alertIdOf('K', line, 'early_warning');
const yearEnd = alertIdOf('K', line, 'year_end');

const alertEvent = (type: string, data: Record<string, unknown>, recordedAt: string, schemaVersion = 1): EventToAppend => ({
  type,
  schemaVersion,
  data,
  metadata: { recordedAt, source: { channel: 'system', feed: 'alerting' }, correlationId: 'c', actor: 'alerting-service' },
});
const raised = (alertId: string, checkpoint: string, actual: number, recordedAt: string) =>
  alertEvent(
    'OffTrackAlertRaised',
    {
      alertId,
      schoolId: 'S1',
      contractId: 'K',
      partnerId: 'P',
      districtIds: ['D1'],
      metric: 'attendance_rate',
      contractYear: 1,
      schoolYear: '2024-25',
      checkpoint,
      target: 0.93,
      actual,
      severity: 'warning',
    },
    recordedAt,
    2,
  );
const resolved = (alertId: string, reason: string, actual: number | null, recordedAt: string) =>
  alertEvent('OffTrackAlertResolved', { alertId, reason, actual }, recordedAt, offTrackAlertResolved.schemaVersion);

const rows = (sql: SqlClient) =>
  Promise.all([
    sql.query('SELECT alert_id, status, actual, raised_actual, resolution FROM alerts ORDER BY alert_id'),
    sql.query('SELECT alert_id, sequence, status, actual, raised_actual, resolution, known_at FROM alert_history ORDER BY alert_id, sequence'),
  ]);

describe.each(testDatabases({ timescaledb: true }))('alerts projection on $name', (database) => {
  it('given an early warning raised at 0.90 and resolved at 0.96, then the alert shows 0.96 and keeps 0.90 as the value that raised it', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    await store.append(`alert-${early}`, [raised(early, 'early_warning', 0.9, '2025-01-31T00:00:00.000Z')]);
    await store.append(`alert-${early}`, [resolved(early, 'back on track: the leading evidence reaches the target', 0.96, '2025-04-30T00:00:00.000Z')]);
    await wholeLog(store, sql);
    await new LogFollower(store, sql, alertsProjection).catchUp();

    const alerts = new AlertQueries(sql);
    expect(await alerts.alert(early)).toMatchObject({
      status: 'resolved',
      actual: 0.96,
      raisedActual: 0.9,
      resolution: 'back on track: the leading evidence reaches the target',
    });
    // as known before the resolution: open, at the value that raised it
    expect(await alerts.alert(early, new Date('2025-03-01T00:00:00Z'))).toMatchObject({ status: 'open', actual: 0.9, raisedActual: 0.9, resolvedAt: null });
    expect(await rows(sql)).toEqual([
      [{ alert_id: early, status: 'resolved', actual: 0.96, raised_actual: 0.9, resolution: 'back on track: the leading evidence reaches the target' }],
      [
        expect.objectContaining({ sequence: 0, status: 'open', actual: 0.9, raised_actual: 0.9 }),
        expect.objectContaining({ sequence: 1, status: 'resolved', actual: 0.96, raised_actual: 0.9 }),
      ],
    ]);
    await store.close();
  });

  it('given a withdrawal, then no value resolved it (null); given a resolution stored as v1, then its value was not recorded (null)', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    await store.append(`alert-${yearEnd}`, [raised(yearEnd, 'year_end', 0.9, '2025-06-30T00:00:00.000Z')]);
    await store.append(`alert-${yearEnd}`, [resolved(yearEnd, 'contract_terminated', null, '2025-08-01T00:00:00.000Z')]);
    await store.append(`alert-${early}`, [raised(early, 'early_warning', 0.88, '2025-01-31T00:00:00.000Z')]);
    // as stored before resolutions carried their value
    await store.append(`alert-${early}`, [alertEvent('OffTrackAlertResolved', { alertId: early, reason: 'the target is met' }, '2025-06-30T00:00:00.000Z', 1)]);
    await wholeLog(store, sql);
    await new LogFollower(store, sql, alertsProjection).catchUp();

    const alerts = new AlertQueries(sql);
    expect(await alerts.alert(yearEnd)).toMatchObject({ status: 'resolved', resolution: 'contract_terminated', actual: null, raisedActual: 0.9 });
    expect(await alerts.alert(early)).toMatchObject({ status: 'resolved', resolution: 'the target is met', actual: null, raisedActual: 0.88 });
    await store.close();
  });

  it('given a database whose alerts were built before resolutions carried their value, then the upgrade rebuilds them from the log as a new one builds them', async () => {
    const history = [
      [`alert-${yearEnd}`, raised(yearEnd, 'year_end', 0.9, '2025-06-30T00:00:00.000Z')],
      [`alert-${yearEnd}`, resolved(yearEnd, 'the target is met', 0.95, '2025-07-15T00:00:00.000Z')],
      [`alert-${yearEnd}`, alertEvent('OffTrackAlertReopened', { alertId: yearEnd, actual: 0.91, severity: 'warning' }, '2025-07-20T00:00:00.000Z')],
    ] as const;
    const built = async (upgraded: boolean) => {
      const sql = await database.open();
      const store = await PostgresEventStore.create(sql);
      for (const [streamId, event] of history) await store.append(streamId, [event]);
      await wholeLog(store, sql);
      if (upgraded) {
        // the tables as the release before made them, its runner at the end of the log
        const before: Projection = {
          ...alertsProjection,
          migrations: alertsProjection.migrations.filter((migration) => migration.id < '0004'),
          apply: async () => undefined,
        };
        await new LogFollower(store, sql, before).catchUp();
      }
      await new LogFollower(store, sql, alertsProjection).catchUp();
      const read = await rows(sql);
      await store.close();
      return read;
    };
    const fresh = await built(false);
    expect(fresh[0]).toEqual([{ alert_id: yearEnd, status: 'open', actual: 0.91, raised_actual: 0.91, resolution: null }]);
    expect(fresh[1].map((row) => [row.status, row.actual, row.raised_actual])).toEqual([
      ['open', 0.9, 0.9],
      ['resolved', 0.95, 0.9],
      ['open', 0.91, 0.91],
    ]);
    expect(await built(true)).toEqual(fresh);
  });
});
