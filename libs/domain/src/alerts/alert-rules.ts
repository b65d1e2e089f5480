import { createHash } from 'node:crypto';
import { AlertEvent, CHECKPOINTS, SEVERITIES } from '../events/alert-events';
import { ScorecardLine } from '../targets/scorecard';

export type Checkpoint = (typeof CHECKPOINTS)[number];
export type Severity = (typeof SEVERITIES)[number];

/**
 * The one id of the one alert per (contract, school or cluster, metric, contract year,
 * checkpoint): the same inputs always give the same id, so its stream `alert-{id}` can be
 * created once, whatever is replayed, redelivered or evaluated concurrently.
 */
export function alertIdOf(contractId: string, line: Pick<ScorecardLine, 'scope' | 'subjectId' | 'metric' | 'contractYear'>, checkpoint: Checkpoint): string {
  const key = [contractId, line.scope, line.subjectId, line.metric, line.contractYear, checkpoint].join('|');
  return `A-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** Year 1 warning, year 2 serious, year 3 and later critical; a second consecutive miss on the metric raises it one step. */
export function severityOf(contractYear: number, missedTheYearBefore: boolean): Severity {
  const step = Math.min(contractYear, 3) - 1 + (missedTheYearBefore ? 1 : 0);
  return SEVERITIES[Math.min(step, SEVERITIES.length - 1)];
}

export interface AlertContext {
  contractId: string;
  partnerId: string;
  /** The district that owns the school (for a cluster: its schools' district). */
  districtId: string;
  /** The same line's status in the contract year before, for the consecutive-miss rule. */
  missedTheYearBefore: boolean;
}

/** Whether each alert of the line exists, and whether it was resolved. */
export type KnownAlerts = ReadonlyMap<string, { resolved: boolean }>;

/**
 * Alerts for one scorecard line (DESIGN.md section 7): raised on entry into `at_risk`
 * (early warning) and into `missed` (year end); resolved when the line leaves that status (an
 * interim result that catches up, a restatement that clears the miss). An alert is raised at
 * most once: a resolved alert stays resolved, nothing is deleted.
 */
export function decideAlerts(line: ScorecardLine, context: AlertContext, known: KnownAlerts): AlertEvent[] {
  const events: AlertEvent[] = [];
  const rules: [Checkpoint, ScorecardLine['status']][] = [
    ['early_warning', 'at_risk'],
    ['year_end', 'missed'],
  ];
  for (const [checkpoint, status] of rules) {
    const alertId = alertIdOf(context.contractId, line, checkpoint);
    const alert = known.get(alertId);
    if (line.status === status && !alert && line.threshold !== null && line.actual !== null) {
      events.push({
        type: 'OffTrackAlertRaised',
        data: {
          alertId,
          ...(line.scope === 'school' ? { schoolId: line.subjectId } : { clusterId: line.subjectId }),
          contractId: context.contractId,
          partnerId: context.partnerId,
          districtId: context.districtId,
          metric: line.metric,
          contractYear: line.contractYear,
          schoolYear: line.schoolYear,
          checkpoint,
          target: line.threshold,
          actual: line.actual,
          severity: checkpoint === 'year_end' ? severityOf(line.contractYear, context.missedTheYearBefore) : severityOf(line.contractYear, false),
        },
      });
    } else if (line.status !== status && alert && !alert.resolved) {
      events.push({ type: 'OffTrackAlertResolved', data: { alertId, reason: RESOLUTION[line.status] } });
    }
  }
  return events;
}

const RESOLUTION: Record<ScorecardLine['status'], string> = {
  on_track: 'back on track: the leading evidence reaches the target',
  met: 'the target is met',
  missed: 'the year closed missed: see the year-end alert',
  at_risk: 'at risk again: see the early warning',
  pending: 'the evidence was withdrawn or restated away',
};
