import { ANY, NO_STREAM, UnavailableError } from '@eventstore/db-client';
import { EventMetadata } from '@turnaround/domain';
import { waitUntil } from '@turnaround/domain/testing';
import { Checkpoint, EventToAppend, START, StoredEvent, Subscription, WrongExpectedRevisionError } from '../event-store.port';
import { ForeignCheckpointError, postgresCheckpoint } from '../checkpoints';
import { eventStoreContract } from '../testing/event-store.contract';
import { checkpointOfPosition, EventStoreDbEventStore, positionOfCheckpoint, toEsdbRevision } from './eventstoredb-event-store.adapter';
import { FakeKurrentDbServer } from './fake-kurrentdb-client';

const metadata: EventMetadata = {
  recordedAt: '2025-03-01T12:00:00.000Z',
  source: { channel: 'system' },
  correlationId: 'test',
  actor: 'unit-spec',
};

function event(type: string, n: number, padding = 0): EventToAppend {
  return { type, schemaVersion: 1, data: padding > 0 ? { n, padding: 'x'.repeat(padding) } : { n }, metadata };
}

describe('EventStoreDB adapter: positions and revisions', () => {
  it('writes $all positions as tagged checkpoints whose string order is log order, and reads them back', () => {
    const positions = [
      { commit: 9n, prepare: 9n },
      { commit: 10n, prepare: 3n },
      { commit: 10n, prepare: 10n },
      { commit: 123456789012n, prepare: 123456789012n },
    ];
    const checkpoints = positions.map(checkpointOfPosition);
    expect(checkpoints[0]).toBe('kurrentdb:00000000000000000009:00000000000000000009');
    expect([...checkpoints].sort()).toEqual(checkpoints);
    expect(checkpoints.map(positionOfCheckpoint)).toEqual(positions);
  });

  it('maps expected revisions to the client constants', () => {
    expect(toEsdbRevision('any')).toBe(ANY);
    expect(toEsdbRevision('no_stream')).toBe(NO_STREAM);
    expect(toEsdbRevision(7)).toBe(7n);
  });
});

describe('EventStoreDbEventStore on a fake client: the shared contract', () => {
  eventStoreContract(async () => new EventStoreDbEventStore(new FakeKurrentDbServer().connect(), { streamPrefix: 'contract-' }));
});

describe('EventStoreDbEventStore on a fake client that behaves as client 6.2.1', () => {
  let server: FakeKurrentDbServer;
  let store: EventStoreDbEventStore;
  const subscriptions: Subscription[] = [];
  beforeEach(() => {
    server = new FakeKurrentDbServer();
    store = new EventStoreDbEventStore(server.connect(), { streamPrefix: 'p-' });
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
    await store.close();
    jest.useRealTimers();
  });

  /** A subscriber from `after` that keeps every batch. */
  function follow(after: Checkpoint = START, eventTypes?: ReadonlySet<string>) {
    const batches: { events: StoredEvent[]; reached: Checkpoint }[] = [];
    const subscription = store.subscribe({ after, eventTypes }, async (events, reached) => {
      batches.push({ events, reached });
    });
    subscriptions.push(subscription);
    const seen = () => batches.flatMap((batch) => batch.events.map((e) => (e.data as { n: number }).n));
    return { batches, subscription, seen, reached: () => batches.at(-1)?.reached };
  }

  describe('foreign events (written without this service metadata: the client gives metadata undefined)', () => {
    it('a subscriber skips and counts them and carries on, where it used to fail at the same checkpoint forever', async () => {
      await store.append('school-1', [event('A', 1)]);
      server.write('p-school-1', 'ImportedByHand', { note: 'no metadata' });
      server.write('p-school-2', 'WrittenByAnotherTool', { n: 99 }, { someoneElses: true });
      await store.append('school-1', [event('B', 2)]);

      const subscriber = follow();
      await waitUntil(subscriber.seen, (seen) => expect(seen).toHaveLength(2));
      expect(subscriber.seen()).toEqual([1, 2]);
      expect(store.foreignEventsSkipped).toBeGreaterThanOrEqual(2);
      expect((await store.readAll({ after: START, limit: 10 })).map((e) => e.type)).toEqual(['A', 'B']);
    });

    it('reading a stream of ours that holds one names it, rather than failing on its missing metadata', async () => {
      await store.append('school-1', [event('A', 1)]);
      server.write('p-school-1', 'ImportedByHand', { note: 'no metadata' });
      await expect(store.readStream('school-1')).rejects.toThrow(
        /stream 'school-1' holds event .* \(type 'ImportedByHand', revision 1\) without this service's metadata/,
      );
    });
  });

  describe('checkpoints past events that are not ours', () => {
    it("an idle subscriber's checkpoint moves past the server's $ events and other deployments' streams", async () => {
      const subscriber = follow();
      await store.append('school-1', [event('A', 1)]);
      await waitUntil(subscriber.seen, (seen) => expect(seen).toHaveLength(1));
      server.write('$stats-127.0.0.1:2113', '$statsCollected', { cpu: 1 });
      server.write('q-school-1', 'A', { n: 2 }, { ...metadata, schemaVersion: 1 });
      const last = checkpointOfPosition(server.write('$$p-school-1', '$metadata', { $maxAge: 1 }));

      // the next idle poll reads them, hands nothing over, and moves the checkpoint to the end of $all
      await waitUntil(subscriber.reached, (reached) => expect(reached).toBe(last));
      expect(subscriber.seen()).toEqual([1]);
      expect(subscriber.batches.at(-1)?.events).toEqual([]);
    });

    it('reads $all in pages that do not shrink with the limit', async () => {
      for (let i = 0; i < 1_200; i++) server.write(`$stats-${i}`, '$statsCollected', { i });
      await store.append('school-1', [event('A', 1)]);
      expect((await store.readAll({ after: START, limit: 1 })).map((e) => e.type)).toEqual(['A']);
      // 1,201 events in pages of 501: three reads, not six hundred reads of two
      expect(server.reads.map((read) => read.maxCount)).toEqual([501, 501, 501]);
    });

    it('asks the client for the event at the checkpoint too (reads are inclusive) and does not hand it over again', async () => {
      await store.append('school-1', [event('A', 1), event('B', 2)]);
      const [first] = await store.readAll({ after: START, limit: 1 });
      expect((await store.readAll({ after: first.position, limit: 5 })).map((e) => e.type)).toEqual(['B']);
      expect(server.reads.at(-1)?.fromPosition).toEqual(positionOfCheckpoint(first.position));
    });
  });

  describe('wake-ups', () => {
    beforeEach(() => {
      // The idle poll (a timer) never fires unless a test moves the clock: whatever wakes a subscriber here is the live signal.
      jest.useFakeTimers({ doNotFake: ['Date', 'setImmediate', 'nextTick', 'queueMicrotask'] });
    });

    it("opens one live subscription per store, filtered to its own streams, that wakes all its subscribers on another process's append", async () => {
      const subscribers = Array.from({ length: 6 }, () => follow());
      await waitUntil(
        () => server.liveSubscriptions,
        (open) => expect(open).toHaveLength(1),
      );
      const [{ filter }] = server.liveSubscriptions;
      expect(filter).toMatchObject({ filterOn: 'streamName', regex: '^p-[^$]' });

      const otherProcess = new EventStoreDbEventStore(server.connect(), { streamPrefix: 'p-' });
      await otherProcess.append('school-1', [event('A', 1)]);
      await waitUntil(
        () => subscribers.map((subscriber) => subscriber.seen()),
        (seen) => expect(seen.every((events) => events.length === 1)).toBe(true),
      );
      expect(server.liveSubscriptions).toHaveLength(1);
      await otherProcess.close();
    });

    it('opens the live subscription again after it fails (a server restart), and reads what was appended meanwhile', async () => {
      const subscriber = follow();
      await waitUntil(
        () => server.liveSubscriptions,
        (open) => expect(open).toHaveLength(1),
      );
      server.stop();
      expect(server.liveSubscriptions).toHaveLength(0);
      server.restart();
      const otherProcess = new EventStoreDbEventStore(server.connect(), { streamPrefix: 'p-' });
      await otherProcess.append('school-1', [event('A', 1)]); // while no live subscription is open

      await jest.advanceTimersByTimeAsync(500); // the first retry delay
      await waitUntil(
        () => [server.liveSubscriptions.length, subscriber.seen().length],
        (counts) => expect(counts).toEqual([1, 1]),
      ); // open again, and the event read
      await otherProcess.append('school-1', [event('B', 2)]);
      await waitUntil(subscriber.seen, (seen) => expect(seen).toHaveLength(2)); // the reopened subscription has woken the subscriber
      await otherProcess.close();
    });
  });

  describe('appends over the server MaxAppendSize (1 MiB by default)', () => {
    it('splits a 1,000-event append into parts under the limit, each expecting the revision the one before left', async () => {
      const events = Array.from({ length: 1_000 }, (_, n) => event('AssessmentResultsReported', n, 1_500));
      const result = await store.append('school-1', events, { expectedRevision: 'no_stream' });

      expect(result.nextExpectedRevision).toBe(999);
      expect(server.appends.length).toBeGreaterThan(1);
      expect(server.appends.every((append) => append.size <= 1_048_576)).toBe(true);
      expect(server.appends.map((append) => append.expectedRevision)).toEqual(
        server.appends.map((_, index) =>
          index === 0 ? NO_STREAM : BigInt(server.appends.slice(0, index).reduce((sum, append) => sum + append.events, 0) - 1),
        ),
      );
      const stored = await store.readStream('school-1');
      expect(stored.map((e) => (e.data as { n: number }).n)).toEqual(events.map((_, n) => n));
      expect(stored.at(-1)?.position).toBe(result.position);
    });

    it('takes the limit a server configured lower names in its MaxAppendSizeExceededError', async () => {
      await store.close();
      server = new FakeKurrentDbServer(64 * 1024);
      store = new EventStoreDbEventStore(server.connect(), { streamPrefix: 'p-' });
      await store.append(
        'school-1',
        Array.from({ length: 100 }, (_, n) => event('E', n, 2_000)),
      );
      expect((await store.readStream('school-1')).length).toBe(100);
      expect(server.appends[0].size).toBeGreaterThan(64 * 1024); // refused whole
      expect(server.appends.slice(1).every((append) => append.size <= 64 * 1024)).toBe(true);
    });

    it('refuses an event that alone is over the limit, naming the stream and both sizes', async () => {
      await expect(store.append('school-1', [event('E', 1), event('Huge', 2, 1_100_000)])).rejects.toThrow(
        /event 1 of the append to 'school-1' \(Huge\) takes \d+ bytes, over the event store's maximum append size of 1048576 bytes/,
      );
    });
  });

  describe('what a failed append had put in (KurrentDB has no transaction across streams)', () => {
    it('appendMany names the streams appended before the one whose check failed', async () => {
      await store.append('c', [event('C0', 0)]);
      const failure = await store
        .appendMany([
          { streamId: 'a', events: [event('A0', 1), event('A1', 2)], expectedRevision: 'no_stream' },
          { streamId: 'b', events: [event('B0', 3)], expectedRevision: 'any' },
          { streamId: 'c', events: [event('C1', 4)], expectedRevision: 'no_stream' },
          { streamId: 'd', events: [event('D0', 5)], expectedRevision: 'no_stream' },
        ])
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(WrongExpectedRevisionError);
      expect(failure).toMatchObject({
        streamId: 'c',
        expected: 'no_stream',
        actual: 0,
        appendedBefore: [
          { streamId: 'a', events: 2, nextExpectedRevision: 1 },
          { streamId: 'b', events: 1, nextExpectedRevision: 0 },
        ],
      });
      expect(await store.readStream('d')).toEqual([]);
    });

    it('a conflict between the parts of a split append names the parts that went in', async () => {
      server.afterAppend = async (streamName) => {
        server.afterAppend = async () => undefined;
        // another writer gets in between the first part and the second
        await new EventStoreDbEventStore(server.connect(), { streamPrefix: 'p-' }).append(streamName.slice('p-'.length), [event('Other', -1)]);
      };
      const events = Array.from({ length: 1_000 }, (_, n) => event('E', n, 1_500));
      const failure = await store.append('school-1', events, { expectedRevision: 'no_stream' }).catch((error: unknown) => error);

      const firstPart = server.appends[0].events;
      expect(failure).toBeInstanceOf(WrongExpectedRevisionError);
      expect(failure).toMatchObject({
        streamId: 'school-1',
        expected: firstPart - 1,
        actual: firstPart,
        appendedBefore: [{ streamId: 'school-1', events: firstPart, nextExpectedRevision: firstPart - 1 }],
      });
    });
  });

  describe("checkpoints are the store's own", () => {
    it('refuses a PostgreSQL checkpoint, saying whose it is and what to do', async () => {
      const fromPostgres = postgresCheckpoint(812, 40_117);
      await expect(store.readAll({ after: fromPostgres, limit: 10 })).rejects.toThrow(ForeignCheckpointError);
      await expect(store.readAll({ after: fromPostgres, limit: 10 })).rejects.toThrow(
        "the KurrentDB event store was handed checkpoint '00000000000000000812:00000000000000040117', which is a PostgreSQL checkpoint",
      );
      const subscription = store.subscribe({ after: fromPostgres }, async () => undefined);
      await expect(subscription.done).rejects.toThrow(/turnaround replay/);
    });
  });

  describe('closing and readiness', () => {
    it('close ends the subscriptions (done resolves, so no owner restarts them), the live subscription and the connection', async () => {
      await store.close();
      const client = server.connect();
      store = new EventStoreDbEventStore(client, { streamPrefix: 'p-' });
      const subscriber = follow();
      await waitUntil(
        () => server.liveSubscriptions,
        (open) => expect(open).toHaveLength(1),
      );

      await store.close();
      await expect(subscriber.subscription.done).resolves.toBeUndefined();
      expect(server.liveSubscriptions).toHaveLength(0);
      expect(client.closed).toBe(true);
      await expect(store.append('school-1', [event('A', 1)])).rejects.toThrow('the KurrentDB event store is closed');
    });

    it('ping answers while the server does, and rejects with the reason while it is down', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      server.stop();
      await expect(store.ping()).rejects.toThrow(UnavailableError);
      server.restart();
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
});
