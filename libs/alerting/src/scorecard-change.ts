import { TargetStatus, WithdrawalReason } from '@turnaround/domain';

/**
 * A row of `scorecard_changes` as the alerting reads it: one scorecard line's new status at one
 * knowledge time, written by the read side's scorecards projection in log order.
 */
export interface ScorecardChange {
  /** The log position of the knowledge that changed the line: a checkpoint, opaque, in log order. */
  position: string;
  /** The change's place among the changes of that position. */
  ordinal: number;
  known_at: Date | string;
  contract_id: string;
  partner_id: string;
  district_ids: readonly string[];
  scope: 'school' | 'cluster';
  subject_id: string;
  metric: string;
  contract_year: number;
  school_year: string;
  threshold: number | null;
  actual: number | null;
  status: TargetStatus | 'withdrawn';
  withdrawal: WithdrawalReason | null;
  missed_year_before: boolean;
}

const CHANGE_ID = /#\d{6}$/;

/** `position#ordinal`: sorts in log order, as the changes were recorded. */
export function changeIdOf(change: Pick<ScorecardChange, 'position' | 'ordinal'>): string {
  return `${change.position}#${String(change.ordinal).padStart(6, '0')}`;
}

/** Whether a correlation id is a change id (and not, say, the request id of an acknowledgement). */
export function isChangeId(correlationId: string): boolean {
  return CHANGE_ID.test(correlationId);
}

/** The position and ordinal a change id was made of: where the cursor resumes. */
export function splitChangeId(changeId: string): [string, number] {
  const at = changeId.lastIndexOf('#');
  return [changeId.slice(0, at), Number(changeId.slice(at + 1))];
}
