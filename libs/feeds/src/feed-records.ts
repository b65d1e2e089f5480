import { FEED_RECORD_EVENTS, FeedKind, FeedRecord, feedStreamId, naturalKeyOf } from '@turnaround/domain';
import { EventStore } from '@turnaround/event-store';

/** One natural key of a feed stream as the log holds it: its current values and where they came from. */
export interface StoredFeedRecord {
  naturalKey: string;
  /** The values in force (as of the read's knowledge time), those of the latest event of the key. */
  record: FeedRecord;
  /** The push that stored these values; null for a record stored outside a push. */
  batchId: string | null;
  channel: string;
  actor: string;
  /** Knowledge time of these values: when the service learned them. */
  knownAt: string;
  /** When the key was first learned. */
  firstKnownAt: string;
  /** How many times values of the key were stored: 1, plus its restatements and reinstatements. */
  versions: number;
  retracted: boolean;
  /** The retraction in force, when the record is retracted. */
  retraction: { at: string; by: string; reason: string } | null;
}

export interface FeedRecordsPage {
  records: StoredFeedRecord[];
  /** The `after` of the next page; null on the last. */
  nextAfter: string | null;
}

/**
 * What is stored of a feed for one school and school year, read from the feed stream itself
 * (docs/feeds.md#natural-keys-and-streams): every natural key with its values in force, the
 * batch and knowledge time of those values, and whether it is retracted. As of a past time,
 * the events learned since are left out. A stream is small (one feed, school and year), so
 * it is read whole and paged here, in natural key order.
 */
export class FeedRecords {
  constructor(private readonly store: EventStore) {}

  async list(kind: FeedKind, query: { schoolId: string; schoolYear: string; asOf?: Date; after?: string; limit: number }): Promise<FeedRecordsPage> {
    const events = await this.store.readStream(feedStreamId(kind, query.schoolId, query.schoolYear));
    const byKey = new Map<string, StoredFeedRecord>();
    for (const stored of events) {
      if (query.asOf && new Date(stored.metadata.recordedAt) > query.asOf) break;
      const event = FEED_RECORD_EVENTS.decode(stored);
      const { recordedAt, source, actor } = stored.metadata;
      if (event.type === 'RecordRetracted') {
        const entry = byKey.get(event.data.naturalKey);
        if (entry) Object.assign(entry, { retracted: true, retraction: { at: recordedAt, by: actor, reason: event.data.reason } });
        continue;
      }
      const record = event.data as FeedRecord;
      const naturalKey = naturalKeyOf(kind, record);
      const before = byKey.get(naturalKey);
      byKey.set(naturalKey, {
        naturalKey,
        record,
        batchId: source.batchId ?? null,
        channel: source.channel,
        actor,
        knownAt: recordedAt,
        firstKnownAt: before?.firstKnownAt ?? recordedAt,
        versions: (before?.versions ?? 0) + 1,
        retracted: false,
        retraction: null,
      });
    }
    const keys = [...byKey.keys()].filter((key) => query.after === undefined || key > query.after).sort();
    const page = keys.slice(0, query.limit);
    return { records: page.map((key) => byKey.get(key) as StoredFeedRecord), nextAfter: keys.length > query.limit ? (page.at(-1) as string) : null };
  }
}
