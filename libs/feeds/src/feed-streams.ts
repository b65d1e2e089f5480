import {
  decideRecords,
  emptyLedger,
  evolveLedger,
  FEED_RECORD_EVENTS,
  FeedDecision,
  FeedEvent,
  FeedKind,
  FeedLedger,
  FeedRecord,
  FeedRecordEvent,
} from '@turnaround/domain';
import { EventStore, StoredEvent, WrongExpectedRevisionError } from '@turnaround/event-store';
import { feedEventToAppend, Provenance } from './event-metadata';

/** Ledgers kept between writes; a stale one costs only a conflict and a reload. */
const LEDGER_CACHE_STREAMS = 2000;
const MAX_CONFLICT_RETRIES = 5;

/** A stream's ledger with the revision it was built from: the revision an append to it expects. */
interface StreamLedger {
  ledger: FeedLedger;
  revision: number | undefined;
}

/** One stream's share of a chunk: its valid records, in file order. */
export interface StreamRecords {
  streamId: string;
  records: readonly FeedRecord[];
}

/** What a decision against one stream's ledger appends, and what it answers. */
export interface StreamDecision<T> {
  events: readonly FeedEvent[];
  result: T;
}

/**
 * Appends to feed streams under optimistic concurrency, each write decided against the stream's
 * ledger. The ledgers of the streams written lately are kept, with the revision each was built
 * from, so a push does not read again what it (or the push before) just wrote. A kept ledger is
 * replaced only once the events decided against it are stored; when another writer got to the
 * stream first, the append fails on the revision, and the stream is read and decided again.
 */
export class FeedStreams {
  private readonly ledgers = new Map<string, StreamLedger>();

  constructor(private readonly store: EventStore) {}

  /**
   * Decides the records of a chunk's streams and appends them together: one read for the
   * ledgers not kept, and on PostgreSQL one transaction for the chunk rather than one per
   * stream. When another writer got to one of the streams first, the streams not stored are
   * each decided and appended again alone (`decideAndAppend`). Answers each stream's decisions,
   * in the order of its records.
   */
  async decideAndAppendAll(streams: readonly StreamRecords[], provenance: Provenance): Promise<FeedDecision[][]> {
    const ledgers = await this.ledgersOf(
      provenance.feed,
      streams.map((stream) => stream.streamId),
    );
    const decided = streams.map(({ streamId, records }, index) => {
      const { ledger, revision } = ledgers[index];
      const decisions = decideRecords(ledger, records);
      return { streamId, ledger, revision, decisions, events: eventsOf(decisions) };
    });
    const appends = decided.filter((stream) => stream.events.length > 0);
    try {
      const results =
        appends.length === 0
          ? []
          : await this.store.appendMany(
              appends.map((stream) => ({
                streamId: stream.streamId,
                events: stream.events.map((event) => feedEventToAppend(event, provenance)),
                expectedRevision: stream.revision ?? 'no_stream',
              })),
            );
      const next = new Map(appends.map((stream, index) => [stream.streamId, results[index].nextExpectedRevision]));
      for (const stream of decided) this.keep(stream.streamId, evolveLedger(stream.ledger, stream.events), next.get(stream.streamId) ?? stream.revision);
      return decided.map((stream) => stream.decisions);
    } catch (error) {
      // What went in is not known here (or not for every stream): their ledgers are read again.
      for (const { streamId } of streams) this.ledgers.delete(streamId);
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      // On KurrentDB the streams (or parts of a split stream) before the failed one went in: their
      // records keep the outcomes decided for them; the rest are decided again against the stream.
      const appended = new Map(error.appendedBefore.map((part) => [part.streamId, part]));
      const outcomes: FeedDecision[][] = [];
      for (const [index, { streamId, records }] of streams.entries()) {
        const stream = decided[index];
        const part = appended.get(streamId);
        const kept = part ? recordsStored(stream.decisions, part.events) : 0;
        if (part && kept === records.length) this.keep(streamId, evolveLedger(stream.ledger, stream.events), part.nextExpectedRevision);
        const rest = records.slice(kept);
        const redecided = rest.length === 0 ? [] : await this.decideAndAppend(streamId, provenance, (ledger) => recordsDecided(ledger, rest));
        outcomes.push([...stream.decisions.slice(0, kept), ...redecided]);
      }
      return outcomes;
    }
  }

  /**
   * Decides against the stream's ledger and appends, expecting the revision the ledger was built
   * from. A concurrent writer makes the append fail; the ledger is then read again and the
   * decision taken again, so two pushes of one file at once still store each record once.
   */
  async decideAndAppend<T>(streamId: string, provenance: Provenance, decide: (ledger: FeedLedger) => StreamDecision<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const { ledger, revision } = this.ledgers.get(streamId) ?? ledgerOf(provenance.feed, await this.store.readStream(streamId));
      const { events, result } = decide(ledger);
      try {
        const next =
          events.length > 0
            ? (
                await this.store.append(
                  streamId,
                  events.map((event) => feedEventToAppend(event, provenance)),
                  { expectedRevision: revision ?? 'no_stream' },
                )
              ).nextExpectedRevision
            : revision;
        this.keep(streamId, evolveLedger(ledger, events), next);
        return result;
      } catch (error) {
        this.ledgers.delete(streamId);
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
      }
    }
  }

  /**
   * Decides the records of a chunk's streams as `decideAndAppendAll` would, and appends nothing:
   * a validate-only push. `scratch` holds the push's own ledgers, each with the records decided
   * before entered, so a key that comes again later in the file is decided against its first
   * occurrence as the real push would be. The stored ledgers are read afresh (not the ones kept
   * here, which another instance may have outdated), and none kept is changed.
   */
  async decideOnly(streams: readonly StreamRecords[], kind: FeedKind, scratch: Map<string, FeedLedger>): Promise<FeedDecision[][]> {
    const missing = [...new Set(streams.map((stream) => stream.streamId).filter((streamId) => !scratch.has(streamId)))];
    if (missing.length > 0) {
      const stored = await this.store.readStreams(missing);
      for (const streamId of missing) scratch.set(streamId, ledgerOf(kind, stored.get(streamId) ?? []).ledger);
    }
    return streams.map(({ streamId, records }) => {
      const ledger = scratch.get(streamId) as FeedLedger;
      const decisions = decideRecords(ledger, records);
      scratch.set(streamId, evolveLedger(ledger, eventsOf(decisions)));
      return decisions;
    });
  }

  /** The streams' ledgers: those kept, and the others read in one go. */
  private async ledgersOf(kind: FeedKind, streamIds: readonly string[]): Promise<StreamLedger[]> {
    const kept = streamIds.map((streamId) => this.ledgers.get(streamId));
    const missing = streamIds.filter((_, index) => kept[index] === undefined);
    const stored = missing.length === 0 ? new Map<string, StoredEvent[]>() : await this.store.readStreams(missing);
    return streamIds.map((streamId, index) => kept[index] ?? ledgerOf(kind, stored.get(streamId) ?? []));
  }

  /** Keeps a stream's ledger as the one most recently used, forgetting the least recently used beyond the limit. */
  private keep(streamId: string, ledger: FeedLedger, revision: number | undefined): void {
    this.ledgers.delete(streamId);
    this.ledgers.set(streamId, { ledger, revision });
    if (this.ledgers.size > LEDGER_CACHE_STREAMS) this.ledgers.delete(this.ledgers.keys().next().value as string);
  }
}

function recordsDecided(ledger: FeedLedger, records: readonly FeedRecord[]): StreamDecision<FeedDecision[]> {
  const decisions = decideRecords(ledger, records);
  return { events: eventsOf(decisions), result: decisions };
}

function eventsOf(decisions: readonly FeedDecision[]): FeedRecordEvent[] {
  const events: FeedRecordEvent[] = [];
  for (const { event } of decisions) if (event) events.push(event);
  return events;
}

/**
 * How many of a stream's records, in order, are settled once its first `events` events are
 * stored: each accepted or restated record is one event; a duplicate or rejected record
 * before the next event needs none.
 */
function recordsStored(decisions: readonly FeedDecision[], events: number): number {
  let stored = 0;
  let records = 0;
  for (const decision of decisions) {
    const appends = decision.event !== undefined;
    if (appends && stored === events) break;
    if (appends) stored += 1;
    records += 1;
  }
  return records;
}

/** A feed stream's ledger from its stored events, with the revision it was built from. */
function ledgerOf(kind: FeedKind, stored: readonly StoredEvent[]): StreamLedger {
  return {
    ledger: evolveLedger(
      emptyLedger(kind),
      stored.map((event) => FEED_RECORD_EVENTS.decode(event)),
    ),
    revision: stored.at(-1)?.revision,
  };
}
