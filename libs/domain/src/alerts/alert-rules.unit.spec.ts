import { AlertEvent } from '../events/alert-events';
import { decodeEvent } from '../events/event-catalogue';
import { fold } from '../registry/aggregate';
import { Alert, alertAggregate } from './alert';
import { alertIdOf, decideAlerts, LineChange, severityOf } from './alert-rules';

const line = { scope: 'school', subjectId: 'S1', metric: 'proficiency.math', contractYear: 2, schoolYear: '2024-25', threshold: 0.25 } as const;
const change = (status: LineChange['status'], actual: number | null = 0.2, extra: Partial<LineChange> = {}): LineChange => ({
  contractId: 'K1',
  partnerId: 'P1',
  districtIds: ['D1'],
  line: { ...line, actual },
  status,
  missedTheYearBefore: false,
  ...extra,
});
const early = alertIdOf('K1', line, 'early_warning');
const yearEnd = alertIdOf('K1', line, 'year_end');

/** Given the alert events so far, when the line changes, then these alert events. */
function given(history: readonly AlertEvent[]) {
  const of = (alertId: string): Alert =>
    fold(
      alertAggregate,
      history.filter((event) => event.data.alertId === alertId),
    );
  return { when: (next: LineChange) => decideAlerts(next, { early_warning: of(early), year_end: of(yearEnd) }) };
}

const raised = (alertId: string, checkpoint: 'early_warning' | 'year_end', actual: number, severity: 'warning' | 'serious' | 'critical'): AlertEvent => ({
  type: 'OffTrackAlertRaised',
  data: {
    alertId,
    schoolId: 'S1',
    contractId: 'K1',
    partnerId: 'P1',
    districtIds: ['D1'],
    metric: 'proficiency.math',
    contractYear: 2,
    schoolYear: '2024-25',
    checkpoint,
    target: 0.25,
    actual,
    severity,
  },
});
const resolved = (alertId: string, reason: string, actual: number | null): AlertEvent => ({ type: 'OffTrackAlertResolved', data: { alertId, reason, actual } });

describe('off-track alerts from scorecard line changes (docs/alerts.md)', () => {
  it('raises an early warning on entry into at risk, and nothing more while it stays there', () => {
    expect(given([]).when(change('at_risk'))).toEqual([raised(early, 'early_warning', 0.2, 'serious')]);
    expect(given([raised(early, 'early_warning', 0.2, 'serious')]).when(change('at_risk', 0.21))).toEqual([]);
  });

  it('resolves the early warning when the line is back on track', () => {
    expect(given([raised(early, 'early_warning', 0.2, 'serious')]).when(change('on_track', 0.3))).toEqual([
      resolved(early, 'back on track: the leading evidence reaches the target', 0.3),
    ]);
  });

  it('a miss resolves the early warning and raises the year-end alert', () => {
    expect(given([raised(early, 'early_warning', 0.2, 'serious')]).when(change('missed'))).toEqual([
      resolved(early, 'the year closed missed: see the year-end alert', 0.2),
      raised(yearEnd, 'year_end', 0.2, 'serious'),
    ]);
  });

  it('re-entry: missed, restated to met, restated to missed gives raised, resolved, reopened (the same alert)', () => {
    const history = [raised(yearEnd, 'year_end', 0.2, 'serious'), resolved(yearEnd, 'the target is met', 0.26)];
    expect(given([raised(yearEnd, 'year_end', 0.2, 'serious')]).when(change('met', 0.26))).toEqual([resolved(yearEnd, 'the target is met', 0.26)]);
    expect(given(history).when(change('missed', 0.19))).toEqual([
      { type: 'OffTrackAlertReopened', data: { alertId: yearEnd, actual: 0.19, severity: 'serious' } },
    ]);
  });

  it('withdraws an open alert with the reason when its target or contract goes', () => {
    const open = [raised(yearEnd, 'year_end', 0.2, 'serious')];
    expect(given(open).when(change('withdrawn', 0.2, { withdrawal: 'contract_terminated' }))).toEqual([resolved(yearEnd, 'contract_terminated', null)]);
    expect(given(open).when(change('withdrawn', 0.2, { withdrawal: 'target_withdrawn' }))).toEqual([resolved(yearEnd, 'target_withdrawn', null)]);
    expect(given([...open, resolved(yearEnd, 'target_withdrawn', null)]).when(change('withdrawn', 0.2, { withdrawal: 'target_withdrawn' }))).toEqual([]);
  });

  it('a resolution carries the value that resolved it, not the one that raised it', () => {
    // given an early warning raised at 0.20, when the interim catches up at 0.30, then the resolution says 0.30
    const history = [raised(early, 'early_warning', 0.2, 'serious')];
    const [resolution] = given(history).when(change('on_track', 0.3));
    expect(resolution).toEqual(resolved(early, 'back on track: the leading evidence reaches the target', 0.3));
    // and the alert, folded, shows the resolving value, keeping the one that raised it
    expect(fold(alertAggregate, [...history, resolution])).toMatchObject({ status: 'resolved', actual: 0.3, raisedActual: 0.2 });
  });

  it('a withdrawal, or evidence that was withdrawn, says explicitly that no value resolved it (null)', () => {
    const open = [raised(yearEnd, 'year_end', 0.2, 'serious')];
    const [withdrawal] = given(open).when(change('withdrawn', 0.2, { withdrawal: 'target_withdrawn' }));
    expect(withdrawal.data).toEqual({ alertId: yearEnd, reason: 'target_withdrawn', actual: null });
    expect(fold(alertAggregate, [...open, withdrawal])).toMatchObject({ status: 'resolved', actual: null, raisedActual: 0.2 });
    expect(given(open).when(change('pending', null))).toEqual([resolved(yearEnd, 'the evidence was withdrawn or restated away', null)]);
  });

  it('a reopened alert is raised again by its new value; its next resolution carries its own', () => {
    const history = [raised(yearEnd, 'year_end', 0.2, 'serious'), resolved(yearEnd, 'the target is met', 0.26)];
    const [reopened] = given(history).when(change('missed', 0.19));
    const [again] = given([...history, reopened]).when(change('met', 0.27));
    expect(again).toEqual(resolved(yearEnd, 'the target is met', 0.27));
    expect(fold(alertAggregate, [...history, reopened])).toMatchObject({ status: 'open', actual: 0.19, raisedActual: 0.19 });
    expect(fold(alertAggregate, [...history, reopened, again])).toMatchObject({ status: 'resolved', actual: 0.27, raisedActual: 0.19 });
  });

  it('reads a resolution stored as v1 (before it carried its value) as resolved by an unrecorded value: null', () => {
    expect(decodeEvent({ type: 'OffTrackAlertResolved', schemaVersion: 1, data: { alertId: early, reason: 'the target is met' } })).toEqual(
      resolved(early, 'the target is met', null),
    );
    expect(decodeEvent({ type: 'OffTrackAlertResolved', schemaVersion: 2, data: { alertId: early, reason: 'the target is met', actual: 0.3 } })).toEqual(
      resolved(early, 'the target is met', 0.3),
    );
    expect(() =>
      decodeEvent({ type: 'OffTrackAlertResolved', schemaVersion: 2, data: { alertId: early, reason: 'contract_terminated', actual: 0.3 } }),
    ).toThrow('actual: expected null: a withdrawal (target_withdrawn, contract_terminated) has no resolving value');
  });

  it('an acknowledged alert is still open: leaving the status resolves it', () => {
    const acknowledged: AlertEvent = {
      type: 'OffTrackAlertAcknowledged',
      data: { alertId: early, by: 'key-1', byName: 'district office', note: 'coaching in place' },
    };
    expect(given([raised(early, 'early_warning', 0.2, 'serious'), acknowledged]).when(change('met', 0.3))).toEqual([resolved(early, 'the target is met', 0.3)]);
  });

  it('sends a cluster alert to every district with a school in the cluster', () => {
    const cluster = change('missed', 0.2, { line: { ...line, scope: 'cluster', subjectId: 'C1', actual: 0.2 }, districtIds: ['D1', 'D2'] });
    expect(decideAlerts(cluster, { early_warning: { exists: false }, year_end: { exists: false } })[0].data).toMatchObject({
      clusterId: 'C1',
      districtIds: ['D1', 'D2'],
    });
  });

  it('grows severity with the contract year and with a second consecutive miss', () => {
    expect([1, 2, 3, 4].map((year) => severityOf(year, false))).toEqual(['warning', 'serious', 'critical', 'critical']);
    expect(severityOf(1, true)).toBe('serious');
    expect(severityOf(2, true)).toBe('critical');
    expect(given([]).when(change('missed', 0.2, { missedTheYearBefore: true }))[0].data).toMatchObject({ severity: 'critical' });
  });

  it('names one alert per contract, school or cluster, metric, contract year and checkpoint', () => {
    expect(alertIdOf('K1', { ...line, contractYear: 3 }, 'early_warning')).not.toBe(early);
    expect(alertIdOf('K1', { ...line, scope: 'cluster' }, 'early_warning')).not.toBe(early);
    expect(early).not.toBe(yearEnd);
    expect(early).toMatch(/^A-[0-9a-f]{24}$/);
  });
});
