import {
  ALERT_STAGES,
  alertAggregate,
  alertIdOf,
  AlertStage,
  decideAlerts,
  EncodedEvent,
  EventMetadata,
  foldStream,
  LineChange,
  toAppend,
} from '@turnaround/domain';
import { EventToAppend, StreamAppend } from '@turnaround/event-store';
import { changeIdOf, isChangeId, ScorecardChange } from './scorecard-change';

/**
 * What the planner reads of an alert stream's event: enough to fold the alert and to tell
 * which changes the stream has answered. A stored event is one; so is an event planned for an
 * earlier change of the same page.
 */
export interface AlertStreamEvent extends EncodedEvent {
  metadata: Pick<EventMetadata, 'source' | 'correlationId'>;
  revision: number;
}

/** Alert streams by stream id, as `EventStore.readStreams` returns them; a stream not there has no event yet. */
export type AlertStreams = ReadonlyMap<string, readonly AlertStreamEvent[]>;

/** What the alerting writes with each event: a system fact, not a feed's or a person's. */
const SOURCE = { channel: 'system', feed: 'alerting' } as const;
const ACTOR = 'alerting-service';

/** The streams a page of changes needs read: each line's two alerts (early warning and year end), once. */
export function alertStreamsOf(changes: readonly ScorecardChange[]): string[] {
  return [...new Set(changes.flatMap((change) => ALERT_STAGES.map((checkpoint) => alertStreamOf(change, checkpoint))))];
}

/**
 * The alert events a page of status changes calls for (docs/alerts.md), given the alert
 * streams as read before the page: one batch per change that calls for any, in log order, each
 * a `StreamAppend` per alert with the stream's expected revision. Pure: the caller appends the
 * batches in order, each with one `appendMany`, so a change's events go in together or not at
 * all.
 *
 * The whole page is planned before anything is appended: each batch is folded into the
 * streams the next change sees, at the revisions the store will give it (the one after the
 * expected revision; no rule reads positions or event ids). That gives the same events and
 * expected revisions as deciding a change after the one before it was appended. If an append
 * fails on its expected revision, another instance answered first: the caller reads the
 * streams again and plans the page again, and what is already answered is not decided again.
 *
 * A change an alert's stream has already answered is not decided again for that alert: the
 * stream holds an event of the alerting whose correlation id (a change id, in log order) is
 * this change's or a later one's. Deciding again from the state after a later change would be
 * wrong (a replayed entry into `at_risk` would reopen an alert a later change resolved).
 */
export function planAlertAppends(changes: readonly ScorecardChange[], streams: AlertStreams): StreamAppend[][] {
  const seen = new Map(streams);
  const batches: StreamAppend[][] = [];
  for (const change of changes) {
    const appends = answer(change, seen);
    if (appends.length === 0) continue;
    batches.push(appends);
    for (const { streamId, events } of appends) seen.set(streamId, withAppended(seen.get(streamId) ?? [], events));
  }
  return batches;
}

/** One change's alert events, decided from the line's two alerts as the streams show them. */
function answer(change: ScorecardChange, streams: AlertStreams): StreamAppend[] {
  const changeId = changeIdOf(change);
  const streamOf = (alertId: string) => streams.get(alertAggregate.streamId(alertId)) ?? [];
  const alertOf = (checkpoint: AlertStage) => foldStream(alertAggregate, streamOf(alertIdOf(change.contract_id, lineOf(change), checkpoint)));
  // Derived facts: known when the facts that caused them were, which the log already holds.
  const metadata = { recordedAt: new Date(change.known_at).toISOString(), source: SOURCE, correlationId: changeId, actor: ACTOR };
  return decideAlerts(lineChangeOf(change), { early_warning: alertOf('early_warning'), year_end: alertOf('year_end') })
    .filter((event) => !streamOf(event.data.alertId).some((stored) => answers(stored, changeId)))
    .map((event): StreamAppend => {
      const stream = streamOf(event.data.alertId);
      return {
        streamId: alertAggregate.streamId(event.data.alertId),
        expectedRevision: stream.length === 0 ? 'no_stream' : stream[stream.length - 1].revision,
        events: [toAppend(event, metadata)],
      };
    });
}

/** Whether an alert stream's event answered this change or a later one. */
function answers(event: AlertStreamEvent, changeId: string): boolean {
  return event.metadata.source.feed === SOURCE.feed && isChangeId(event.metadata.correlationId) && event.metadata.correlationId >= changeId;
}

function alertStreamOf(change: ScorecardChange, checkpoint: AlertStage): string {
  return alertAggregate.streamId(alertIdOf(change.contract_id, lineOf(change), checkpoint));
}

function lineOf(change: ScorecardChange) {
  return { scope: change.scope, subjectId: change.subject_id, metric: change.metric, contractYear: change.contract_year };
}

function lineChangeOf(change: ScorecardChange): LineChange {
  return {
    contractId: change.contract_id,
    partnerId: change.partner_id,
    districtIds: change.district_ids,
    line: { ...lineOf(change), schoolYear: change.school_year, threshold: change.threshold, actual: change.actual },
    status: change.status,
    ...(change.withdrawal ? { withdrawal: change.withdrawal } : {}),
    missedTheYearBefore: change.missed_year_before,
  };
}

/** The stream once the events are appended, each at the revision after the one before it. */
function withAppended(stream: readonly AlertStreamEvent[], events: readonly EventToAppend[]): AlertStreamEvent[] {
  const last = stream.length === 0 ? -1 : stream[stream.length - 1].revision;
  return [...stream, ...events.map((event, index) => ({ ...event, revision: last + 1 + index }))];
}
