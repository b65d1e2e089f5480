import { ALERT_EVENTS, AlertEvent } from '@turnaround/domain';
import { planAlertChanges } from './alerts.planner';
import { AlertRowChange } from './alerts.tables';

const T1 = '2025-01-31T00:00:00.000Z';
const T2 = '2025-02-14T09:00:00.000Z';
const T3 = '2025-04-30T00:00:00.000Z';
const T4 = '2025-06-30T00:00:00.000Z';

/** Given these events of one alert's stream, each known from its time, then these row changes, in log order. */
const given = (...events: [knownAt: string, event: AlertEvent][]) => ({
  then: (expected: AlertRowChange[]) => expect(events.flatMap(([knownAt, event], sequence) => planAlertChanges(event, knownAt, sequence))).toEqual(expected),
});

/** The alert's history row after its event: a copy of its row, known from `knownAt`. */
const historyRow = (alertId: string, knownAt: string, sequence: number): AlertRowChange => ({
  table: 'alert_history',
  op: 'copy',
  from: 'alerts',
  key: { alertId },
  values: { knownAt, sequence },
});

const LINE = { contractId: 'K1', partnerId: 'P1', metric: 'attendance_rate', contractYear: 1, schoolYear: '2024-25', target: 0.93 } as const;

describe('the alerts planner: given alert events, then the rows they change', () => {
  it('raises a school alert open, at the value that raised it, with no acknowledgement', () => {
    given([
      T1,
      {
        type: 'OffTrackAlertRaised',
        data: { alertId: 'A1', schoolId: 'S1', districtIds: ['D1'], ...LINE, checkpoint: 'early_warning', actual: 0.9, severity: 'warning' },
      },
    ]).then([
      {
        table: 'alerts',
        op: 'upsert',
        key: { alertId: 'A1' },
        values: {
          schoolId: 'S1',
          clusterId: null,
          contractId: 'K1',
          partnerId: 'P1',
          districtIds: ['D1'],
          metric: 'attendance_rate',
          contractYear: 1,
          schoolYear: '2024-25',
          checkpoint: 'early_warning',
          target: 0.93,
          actual: 0.9,
          raisedActual: 0.9,
          severity: 'warning',
          status: 'open',
          raisedAt: T1,
          resolvedAt: null,
          resolution: null,
          acknowledgements: [],
        },
      },
      historyRow('A1', T1, 0),
    ]);
  });

  it('raises a cluster alert to every district of the cluster, with no school', () => {
    given([
      T4,
      {
        type: 'OffTrackAlertRaised',
        data: { alertId: 'A2', clusterId: 'C1', districtIds: ['D1', 'D2'], ...LINE, checkpoint: 'year_end', actual: 0.8, severity: 'serious' },
      },
    ]).then([
      {
        table: 'alerts',
        op: 'upsert',
        key: { alertId: 'A2' },
        values: {
          schoolId: null,
          clusterId: 'C1',
          contractId: 'K1',
          partnerId: 'P1',
          districtIds: ['D1', 'D2'],
          metric: 'attendance_rate',
          contractYear: 1,
          schoolYear: '2024-25',
          checkpoint: 'year_end',
          target: 0.93,
          actual: 0.8,
          raisedActual: 0.8,
          severity: 'serious',
          status: 'open',
          raisedAt: T4,
          resolvedAt: null,
          resolution: null,
          acknowledgements: [],
        },
      },
      historyRow('A2', T4, 0),
    ]);
  });

  it('acknowledges an open alert and appends who, their name (null from a v1 acknowledgement), the note and when', () => {
    given(
      // as stored before acknowledgements recorded the key's name
      [T2, ALERT_EVENTS.decode({ type: 'OffTrackAlertAcknowledged', schemaVersion: 1, data: { alertId: 'A1', by: 'key-1', note: 'calling the principal' } })],
      [
        T3,
        ALERT_EVENTS.decode({
          type: 'OffTrackAlertAcknowledged',
          schemaVersion: 2,
          data: { alertId: 'A1', by: 'key-2', byName: 'Dana Reyes', note: 'plan agreed' },
        }),
      ],
    ).then([
      { table: 'alerts', op: 'update', key: { alertId: 'A1', status: 'open' }, values: { status: 'acknowledged' } },
      {
        table: 'alerts',
        op: 'extend',
        key: { alertId: 'A1' },
        values: { acknowledgements: [{ by: 'key-1', byName: null, note: 'calling the principal', at: T2 }] },
      },
      historyRow('A1', T2, 0),
      { table: 'alerts', op: 'update', key: { alertId: 'A1', status: 'open' }, values: { status: 'acknowledged' } },
      {
        table: 'alerts',
        op: 'extend',
        key: { alertId: 'A1' },
        values: { acknowledgements: [{ by: 'key-2', byName: 'Dana Reyes', note: 'plan agreed', at: T3 }] },
      },
      historyRow('A1', T3, 1),
    ]);
  });

  it('resolves an alert with the value that resolved it, or with null when it is withdrawn', () => {
    given([T3, { type: 'OffTrackAlertResolved', data: { alertId: 'A1', reason: 'back on track', actual: 0.96 } }]).then([
      { table: 'alerts', op: 'update', key: { alertId: 'A1' }, values: { status: 'resolved', resolvedAt: T3, resolution: 'back on track', actual: 0.96 } },
      historyRow('A1', T3, 0),
    ]);
    given([T4, { type: 'OffTrackAlertResolved', data: { alertId: 'A2', reason: 'contract_terminated', actual: null } }]).then([
      {
        table: 'alerts',
        op: 'update',
        key: { alertId: 'A2' },
        values: { status: 'resolved', resolvedAt: T4, resolution: 'contract_terminated', actual: null },
      },
      historyRow('A2', T4, 0),
    ]);
  });

  it('reopens a resolved alert: open again, no resolution, at the value and severity that reopened it', () => {
    given([T4, { type: 'OffTrackAlertReopened', data: { alertId: 'A1', actual: 0.91, severity: 'critical' } }]).then([
      {
        table: 'alerts',
        op: 'update',
        key: { alertId: 'A1' },
        values: { status: 'open', resolvedAt: null, resolution: null, actual: 0.91, raisedActual: 0.91, severity: 'critical' },
      },
      historyRow('A1', T4, 0),
    ]);
  });
});
