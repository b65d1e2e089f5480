import { ScorecardLine } from '../targets/scorecard';
import { alertIdOf, AlertContext, decideAlerts, severityOf } from './alert-rules';

const line = (status: ScorecardLine['status'], actual = 0.2): ScorecardLine => ({
  scope: 'school', subjectId: 'S1', metric: 'proficiency.math', contractYear: 2, schoolYear: '2024-25', kind: 'gain',
  status, threshold: 0.25, baseline: 0.2, actual, evidence: status === 'met' || status === 'missed' ? 'final' : 'leading',
});
const context: AlertContext = { contractId: 'K1', partnerId: 'P1', districtId: 'D1', missedTheYearBefore: false };

describe('off-track alerts (DESIGN.md section 7)', () => {
  const early = alertIdOf('K1', line('at_risk'), 'early_warning');
  const yearEnd = alertIdOf('K1', line('missed'), 'year_end');

  it('raises an early warning on entry into at risk, once', () => {
    expect(decideAlerts(line('at_risk'), context, new Map())).toEqual([
      {
        type: 'OffTrackAlertRaised',
        data: {
          alertId: early, schoolId: 'S1', contractId: 'K1', partnerId: 'P1', districtId: 'D1', metric: 'proficiency.math',
          contractYear: 2, schoolYear: '2024-25', checkpoint: 'early_warning', target: 0.25, actual: 0.2, severity: 'serious',
        },
      },
    ]);
    expect(decideAlerts(line('at_risk'), context, new Map([[early, { resolved: false }]]))).toEqual([]);
  });

  it('resolves the early warning when the school is back on track, and never raises it a second time', () => {
    expect(decideAlerts(line('on_track', 0.3), context, new Map([[early, { resolved: false }]]))).toEqual([
      { type: 'OffTrackAlertResolved', data: { alertId: early, reason: 'back on track: the leading evidence reaches the target' } },
    ]);
    expect(decideAlerts(line('at_risk'), context, new Map([[early, { resolved: true }]]))).toEqual([]);
  });

  it('raises a year-end alert on a miss, and a restatement that clears the miss resolves it', () => {
    const raised = decideAlerts(line('missed'), context, new Map([[early, { resolved: false }]]));
    expect(raised.map((event) => event.type)).toEqual(['OffTrackAlertResolved', 'OffTrackAlertRaised']);
    expect(raised[1].data).toMatchObject({ alertId: yearEnd, checkpoint: 'year_end', severity: 'serious' });
    expect(decideAlerts(line('met', 0.26), context, new Map([[early, { resolved: true }], [yearEnd, { resolved: false }]]))).toEqual([
      { type: 'OffTrackAlertResolved', data: { alertId: yearEnd, reason: 'the target is met' } },
    ]);
  });

  it('grows severity with the contract year and with a second consecutive miss', () => {
    expect([1, 2, 3, 4].map((year) => severityOf(year, false))).toEqual(['warning', 'serious', 'critical', 'critical']);
    expect(severityOf(1, true)).toBe('serious');
    expect(severityOf(2, true)).toBe('critical');
    expect(decideAlerts(line('missed'), { ...context, missedTheYearBefore: true }, new Map())[0].data).toMatchObject({ severity: 'critical' });
  });

  it('names one alert per contract, school or cluster, metric, contract year and checkpoint', () => {
    expect(alertIdOf('K1', line('at_risk'), 'early_warning')).toBe(early);
    expect(alertIdOf('K1', { ...line('at_risk'), contractYear: 3 }, 'early_warning')).not.toBe(early);
    expect(alertIdOf('K1', { ...line('at_risk'), scope: 'cluster' }, 'early_warning')).not.toBe(early);
    expect(early).toMatch(/^A-[0-9a-f]{24}$/);
  });
});
