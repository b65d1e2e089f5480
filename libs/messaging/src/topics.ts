import { FeedKind } from '@turnaround/domain';

/** The topics of docs/architecture.md#outside-interfaces; a prefix keeps test runs on one broker apart. */
export function topicsOf(prefix = '') {
  return {
    feed: (kind: FeedKind) => `${prefix}turnaround.feed.${kind}.v1`,
    dlq: `${prefix}turnaround.feed.dlq.v1`,
    alerts: `${prefix}turnaround.alerts.v1`,
  };
}

/** The consumer group the service reads the feed topics in: its instances share the partitions. */
export const FEED_CONSUMER_GROUP = 'turnaround-feeds';
