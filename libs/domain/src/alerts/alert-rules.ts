import { createHash } from 'node:crypto';
import { AlertEvent, ALERT_STAGES, SEVERITIES, WITHDRAWAL_REASONS } from '../events/alert-events';
import { ScorecardLine } from '../targets/scorecard';
import { TargetStatus } from '../targets/target-evaluation';
import { Alert } from './alert';

export type AlertStage = (typeof ALERT_STAGES)[number];
export type Severity = (typeof SEVERITIES)[number];
export type WithdrawalReason = (typeof WITHDRAWAL_REASONS)[number];

/** The line status each checkpoint's alert stands for. */
const STATUS_OF: Record<AlertStage, TargetStatus> = { early_warning: 'at_risk', year_end: 'missed' };

/**
 * The one id of the one alert per (contract, school or cluster, metric, contract year,
 * checkpoint): the same inputs always give the same id, so its stream `alert-{id}` can be
 * created once, whatever is replayed, redelivered or evaluated concurrently.
 */
export function alertIdOf(contractId: string, line: Pick<ScorecardLine, 'scope' | 'subjectId' | 'metric' | 'contractYear'>, checkpoint: AlertStage): string {
  const key = [contractId, line.scope, line.subjectId, line.metric, line.contractYear, checkpoint].join('|');
  return `A-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** Year 1 warning, year 2 serious, year 3 and later critical; a second consecutive miss on the metric raises it one step. */
export function severityOf(contractYear: number, missedTheYearBefore: boolean): Severity {
  const step = Math.min(contractYear, 3) - 1 + (missedTheYearBefore ? 1 : 0);
  return SEVERITIES[Math.min(step, SEVERITIES.length - 1)];
}

/**
 * A scorecard line's new status at one knowledge time, as the scorecards projection records
 * it: `withdrawn` when an amendment removed the line's target or the contract ended.
 */
export interface LineChange {
  contractId: string;
  partnerId: string;
  /** Every district with a school the line concerns: the school's, or those of the cluster's members. */
  districtIds: readonly string[];
  line: Pick<ScorecardLine, 'scope' | 'subjectId' | 'metric' | 'contractYear' | 'schoolYear' | 'threshold' | 'actual'>;
  status: TargetStatus | 'withdrawn';
  withdrawal?: WithdrawalReason;
  /** The same line missed the contract year before: the consecutive-miss rule. */
  missedTheYearBefore: boolean;
}

/**
 * The alerts a line's new status calls for (docs/alerts.md), given the line's two alerts
 * as they stand: raised on entry into `at_risk` (early warning) and into `missed` (year end);
 * resolved when the line leaves that status, with the value that took it out (`null` when
 * the evidence itself was withdrawn), or withdrawn with its target or contract (no value:
 * `null`); reopened, the same alert, when the line enters the status again. Decided from the
 * alert's state, so a change decided twice appends nothing the second time.
 */
export function decideAlerts(change: LineChange, alerts: Readonly<Record<AlertStage, Alert>>): AlertEvent[] {
  const events: AlertEvent[] = [];
  const { line } = change;
  for (const checkpoint of ALERT_STAGES) {
    const alertId = alertIdOf(change.contractId, line, checkpoint);
    const alert = alerts[checkpoint];
    const open = alert.exists && alert.status !== 'resolved';
    const severity = checkpoint === 'year_end' ? severityOf(line.contractYear, change.missedTheYearBefore) : severityOf(line.contractYear, false);
    if (change.status === STATUS_OF[checkpoint]) {
      // A line without a threshold or an actual is pending, never at risk or missed: both are set here.
      const [target, actual] = [line.threshold as number, line.actual as number];
      if (!alert.exists)
        events.push({
          type: 'OffTrackAlertRaised',
          data: {
            alertId,
            ...(line.scope === 'school' ? { schoolId: line.subjectId } : { clusterId: line.subjectId }),
            contractId: change.contractId,
            partnerId: change.partnerId,
            districtIds: [...change.districtIds],
            metric: line.metric,
            contractYear: line.contractYear,
            schoolYear: line.schoolYear,
            checkpoint,
            target,
            actual,
            severity,
          },
        });
      else if (!open) events.push({ type: 'OffTrackAlertReopened', data: { alertId, actual, severity } });
    } else if (open) {
      // The value that resolved it, not the one that raised it; a withdrawal was resolved by no value.
      const reason = change.withdrawal ?? RESOLUTION[change.status as TargetStatus];
      events.push({ type: 'OffTrackAlertResolved', data: { alertId, reason, actual: change.withdrawal ? null : line.actual } });
    }
  }
  return events;
}

const RESOLUTION: Record<TargetStatus, string> = {
  on_track: 'back on track: the leading evidence reaches the target',
  met: 'the target is met',
  missed: 'the year closed missed: see the year-end alert',
  at_risk: 'at risk again: see the early warning',
  pending: 'the evidence was withdrawn or restated away',
};
