import { AlertEvent, alertIdOf, AppendMetadata, toAppend } from '@turnaround/domain';
import { ExpectedRevision, StreamAppend } from '@turnaround/event-store';
import { AlertStreamEvent, alertStreamsOf, planAlertAppends } from './alert-appends';
import { ScorecardChange } from './scorecard-change';

/** School S1 (district D1) under contract K1 of partner P1: math proficiency, contract year 1 (2023-24), threshold 0.25. */
const SCHOOL_LINE = {
  contract_id: 'K1',
  partner_id: 'P1',
  district_ids: ['D1'],
  scope: 'school',
  subject_id: 'S1',
  metric: 'proficiency.math',
  contract_year: 1,
  school_year: '2023-24',
  threshold: 0.25,
  withdrawal: null,
  missed_year_before: false,
} as const;
/** Cluster C1 (schools in D1 and D2) under K1: its majority line, contract year 2 (2024-25), threshold 0.5, missed in year 1. */
const CLUSTER_LINE = {
  ...SCHOOL_LINE,
  district_ids: ['D1', 'D2'],
  scope: 'cluster',
  subject_id: 'C1',
  metric: 'school_majority',
  contract_year: 2,
  school_year: '2024-25',
  threshold: 0.5,
  missed_year_before: true,
} as const;

const EARLY = alertIdOf('K1', { scope: 'school', subjectId: 'S1', metric: 'proficiency.math', contractYear: 1 }, 'early_warning');
const YEAR_END = alertIdOf('K1', { scope: 'school', subjectId: 'S1', metric: 'proficiency.math', contractYear: 1 }, 'year_end');
const CLUSTER_EARLY = alertIdOf('K1', { scope: 'cluster', subjectId: 'C1', metric: 'school_majority', contractYear: 2 }, 'early_warning');
const CLUSTER_YEAR_END = alertIdOf('K1', { scope: 'cluster', subjectId: 'C1', metric: 'school_majority', contractYear: 2 }, 'year_end');

// Positions are the log's checkpoints: opaque strings in log order. A change's id is
// `position#ordinal`, the ordinal padded to six digits.
const JANUARY = { ...SCHOOL_LINE, position: '0000000100', ordinal: 2, known_at: new Date('2024-01-15T00:00:00Z'), status: 'at_risk', actual: 0.22 } as const;
const FEBRUARY = { ...SCHOOL_LINE, position: '0000000140', ordinal: 0, known_at: new Date('2024-02-15T00:00:00Z'), status: 'at_risk', actual: 0.21 } as const;
const MARCH = { ...SCHOOL_LINE, position: '0000000180', ordinal: 0, known_at: new Date('2024-03-15T00:00:00Z'), status: 'on_track', actual: 0.27 } as const;
const MAY = { ...SCHOOL_LINE, position: '0000000260', ordinal: 11, known_at: new Date('2024-05-15T00:00:00Z'), status: 'at_risk', actual: 0.23 } as const;

/** What the alerting writes with the events it appends for one change. */
const answering = (changeId: string, recordedAt: string): AppendMetadata => ({
  recordedAt,
  source: { channel: 'system', feed: 'alerting' },
  correlationId: changeId,
  actor: 'alerting-service',
});

/**
 * Given these alert events in the store (each stream's revisions from 0, in the order given),
 * when a page of changes is planned, then these batches of appends, one per change.
 */
function given(...history: { event: AlertEvent; metadata: AppendMetadata }[]) {
  const streams = new Map<string, AlertStreamEvent[]>();
  for (const { event, metadata } of history) {
    const stream = streams.get(`alert-${event.data.alertId}`) ?? [];
    streams.set(`alert-${event.data.alertId}`, [...stream, { ...toAppend(event, metadata), revision: stream.length }]);
  }
  return {
    when: (...changes: ScorecardChange[]) => ({
      then: (expected: StreamAppend[][]) => expect(planAlertAppends(changes, streams)).toEqual(expected),
    }),
  };
}

/** One alert event appended to its stream at the expected revision. */
const append = (expectedRevision: ExpectedRevision, event: AlertEvent, metadata: AppendMetadata): StreamAppend => ({
  streamId: `alert-${event.data.alertId}`,
  expectedRevision,
  events: [toAppend(event, metadata)],
});

/** An alert of S1's line raised (year 1: a warning, at either checkpoint). */
const raised = (checkpoint: 'early_warning' | 'year_end', actual: number): AlertEvent => ({
  type: 'OffTrackAlertRaised',
  data: {
    alertId: checkpoint === 'early_warning' ? EARLY : YEAR_END,
    schoolId: 'S1',
    contractId: 'K1',
    partnerId: 'P1',
    districtIds: ['D1'],
    metric: 'proficiency.math',
    contractYear: 1,
    schoolYear: '2023-24',
    checkpoint,
    target: 0.25,
    actual,
    severity: 'warning',
  },
});
const resolved = (alertId: string, reason: string, actual: number | null): AlertEvent => ({ type: 'OffTrackAlertResolved', data: { alertId, reason, actual } });
const BACK_ON_TRACK = 'back on track: the leading evidence reaches the target';
const CLOSED_MISSED = 'the year closed missed: see the year-end alert';

describe('planAlertAppends: scorecard status changes in, alert appends out (docs/alerts.md)', () => {
  it('given no alert, when the line enters at risk, then an early warning is raised on a new stream, known when the change was and naming it', () => {
    given()
      .when(JANUARY)
      .then([
        [
          {
            streamId: `alert-${EARLY}`,
            expectedRevision: 'no_stream',
            events: [
              {
                type: 'OffTrackAlertRaised',
                schemaVersion: 2,
                data: {
                  alertId: EARLY,
                  schoolId: 'S1',
                  contractId: 'K1',
                  partnerId: 'P1',
                  districtIds: ['D1'],
                  metric: 'proficiency.math',
                  contractYear: 1,
                  schoolYear: '2023-24',
                  checkpoint: 'early_warning',
                  target: 0.25,
                  actual: 0.22,
                  severity: 'warning',
                },
                metadata: {
                  recordedAt: '2024-01-15T00:00:00.000Z',
                  source: { channel: 'system', feed: 'alerting' },
                  correlationId: '0000000100#000002',
                  actor: 'alerting-service',
                },
              },
            ],
          },
        ],
      ]);
  });

  it('given an open early warning, when the line closes the year missed, then one batch resolves it and raises the year-end alert', () => {
    // A cluster line in contract year 2 that missed year 1: serious, one step up for the second miss: critical.
    const raisedEarly: AlertEvent = {
      type: 'OffTrackAlertRaised',
      data: {
        alertId: CLUSTER_EARLY,
        clusterId: 'C1',
        contractId: 'K1',
        partnerId: 'P1',
        districtIds: ['D1', 'D2'],
        metric: 'school_majority',
        contractYear: 2,
        schoolYear: '2024-25',
        checkpoint: 'early_warning',
        target: 0.5,
        actual: 0.4,
        severity: 'serious',
      },
    };
    // The knowledge time as a driver may hand it back, as text: recorded as an ISO instant.
    const june = { ...CLUSTER_LINE, position: '0000000300', ordinal: 4, known_at: '2025-06-20 00:00:00+00', status: 'missed', actual: 0.45 } as const;
    given({ event: raisedEarly, metadata: answering('0000000200#000001', '2025-01-15T00:00:00.000Z') })
      .when(june)
      .then([
        [
          append(0, resolved(CLUSTER_EARLY, CLOSED_MISSED, 0.45), answering('0000000300#000004', '2025-06-20T00:00:00.000Z')),
          append(
            'no_stream',
            {
              type: 'OffTrackAlertRaised',
              data: {
                alertId: CLUSTER_YEAR_END,
                clusterId: 'C1',
                contractId: 'K1',
                partnerId: 'P1',
                districtIds: ['D1', 'D2'],
                metric: 'school_majority',
                contractYear: 2,
                schoolYear: '2024-25',
                checkpoint: 'year_end',
                target: 0.5,
                actual: 0.45,
                severity: 'critical',
              },
            },
            answering('0000000300#000004', '2025-06-20T00:00:00.000Z'),
          ),
        ],
      ]);
  });

  it("given an acknowledged year-end alert, when the contract is terminated, then it is resolved with the reason, at the stream's last revision", () => {
    // An acknowledgement names the request it came from, not a change: it answers no change.
    const acknowledged: AlertEvent = {
      type: 'OffTrackAlertAcknowledged',
      data: { alertId: YEAR_END, by: 'key-7', byName: 'D1 data office', note: 'plan filed' },
    };
    const termination = {
      ...SCHOOL_LINE,
      position: '0000000400',
      ordinal: 0,
      known_at: new Date('2024-08-01T00:00:00Z'),
      status: 'withdrawn',
      withdrawal: 'contract_terminated',
      actual: 0.2,
    } as const;
    given(
      { event: raised('early_warning', 0.22), metadata: answering('0000000100#000002', '2024-01-15T00:00:00.000Z') },
      { event: resolved(EARLY, CLOSED_MISSED, 0.2), metadata: answering('0000000300#000000', '2024-06-20T00:00:00.000Z') },
      { event: raised('year_end', 0.2), metadata: answering('0000000300#000000', '2024-06-20T00:00:00.000Z') },
      { event: acknowledged, metadata: { source: { channel: 'http' }, correlationId: '9f1c2b7e-8d1a-4f7e-b1a3-2f0c6d5e4a10', actor: 'key-7' } },
    )
      .when(termination)
      .then([[append(1, resolved(YEAR_END, 'contract_terminated', null), answering('0000000400#000000', '2024-08-01T00:00:00.000Z'))]]);
  });

  it('given nothing, when a page goes at risk, stays, recovers and falls back, then each change sees what the ones before it appended', () => {
    given()
      .when(JANUARY, FEBRUARY, MARCH, MAY)
      .then([
        [append('no_stream', raised('early_warning', 0.22), answering('0000000100#000002', '2024-01-15T00:00:00.000Z'))],
        // February stays at risk under the warning January raised: nothing to append.
        [append(0, resolved(EARLY, BACK_ON_TRACK, 0.27), answering('0000000180#000000', '2024-03-15T00:00:00.000Z'))],
        [
          append(
            1,
            { type: 'OffTrackAlertReopened', data: { alertId: EARLY, actual: 0.23, severity: 'warning' } },
            answering('0000000260#000011', '2024-05-15T00:00:00.000Z'),
          ),
        ],
      ]);
  });

  it('given the alert a later change resolved, when earlier changes are planned again (a crash before the cursor moved), then nothing', () => {
    // Decided again from the resolved alert, January and February would reopen it.
    given(
      { event: raised('early_warning', 0.22), metadata: answering('0000000100#000002', '2024-01-15T00:00:00.000Z') },
      { event: resolved(EARLY, BACK_ON_TRACK, 0.27), metadata: answering('0000000180#000000', '2024-03-15T00:00:00.000Z') },
    )
      .when(JANUARY, FEBRUARY, MARCH)
      .then([]);
  });

  it('given an alert answered by an earlier change only, when a later change calls for an event, then it is decided', () => {
    given({ event: raised('early_warning', 0.22), metadata: answering('0000000100#000002', '2024-01-15T00:00:00.000Z') })
      .when(MARCH)
      .then([[append(0, resolved(EARLY, BACK_ON_TRACK, 0.27), answering('0000000180#000000', '2024-03-15T00:00:00.000Z'))]]);
  });
});

describe('alertStreamsOf', () => {
  it("names each line's early-warning and year-end streams once per page", () => {
    const june = { ...CLUSTER_LINE, position: '0000000300', ordinal: 4, known_at: new Date('2025-06-20T00:00:00Z'), status: 'missed', actual: 0.45 } as const;
    expect(alertStreamsOf([JANUARY, MARCH, june])).toEqual([`alert-${EARLY}`, `alert-${YEAR_END}`, `alert-${CLUSTER_EARLY}`, `alert-${CLUSTER_YEAR_END}`]);
  });
});
