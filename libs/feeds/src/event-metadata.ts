import { AppendMetadata, EventSource, FeedBatchClosed, FeedEvent, FeedKind, naturalKeyOf, toAppend } from '@turnaround/domain';
import { EventToAppend } from '@turnaround/event-store';

/** Who pushes, and through which channel: becomes the metadata of every event of the batch. */
export interface FeedContext {
  channel: EventSource['channel'];
  actor: string;
  correlationId: string;
}

/**
 * What the events of one write say of where they come from: the same for each of them. Their
 * knowledge time is the store's to stamp, as each chunk enters the log; the read side judges a
 * push's records together at its `FeedBatchClosed`.
 */
export interface Provenance {
  feed: FeedKind;
  context: FeedContext;
  /** The push; a retraction belongs to none. */
  batchId?: string;
}

/** A feed event ready to append, its record named by natural key in the metadata. */
export function feedEventToAppend(event: FeedEvent, provenance: Provenance): EventToAppend {
  const { feed, context, batchId } = provenance;
  const recordKey = event.type === 'RecordRetracted' ? event.data.naturalKey : naturalKeyOf(feed, event.data);
  const metadata: AppendMetadata = {
    source: { channel: context.channel, feed, batchId, recordKey },
    correlationId: context.correlationId,
    actor: context.actor,
  };
  return toAppend(event, metadata);
}

/** The marker that a push's knowledge is complete, with the push's provenance. */
export function batchClosedToAppend(
  provenance: Provenance & { batchId: string },
  outcome: Pick<FeedBatchClosed['data'], 'status' | 'accepted' | 'restated'>,
): EventToAppend {
  const { feed, context, batchId } = provenance;
  const metadata: AppendMetadata = { source: { channel: context.channel, feed, batchId }, correlationId: context.correlationId, actor: context.actor };
  return toAppend({ type: 'FeedBatchClosed', data: { batchId, feed, ...outcome } }, metadata);
}
