import { waitUntil } from '@turnaround/domain/testing';
import { Checkpoint, EventStore, START, StoredEvent, WrongExpectedRevisionError } from '../event-store.port';
import { testEvent } from './events';

/**
 * The log from its start once it holds `count` events. readAll holds back an event while an older
 * transaction is still open anywhere on the server, and suites run side by side there, so a read
 * right after an append may not show it yet: this reads again until it does (10 s at most).
 */
export function readLog(store: EventStore, count: number): Promise<StoredEvent[]> {
  return waitUntil(
    () => store.readAll({ after: START, limit: count + 10 }),
    (events) => expect(events.length).toBeGreaterThanOrEqual(count),
    10_000,
  );
}

/**
 * What every EventStore adapter must do. Each adapter's spec calls this with a factory that
 * gives a fresh, empty store.
 */
export function eventStoreContract(openStore: () => Promise<EventStore>): void {
  let store: EventStore;
  beforeEach(async () => {
    store = await openStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('reads back what it appended, in revision order', async () => {
    const result = await store.append('zone-Z1', [testEvent(1, 'A'), testEvent(2, 'B')], { expectedRevision: 'no_stream' });
    expect(result.nextExpectedRevision).toBe(1);
    const read = await store.readStream('zone-Z1');
    expect(read.map((e) => [e.revision, e.type, e.data])).toEqual([
      [0, 'A', { n: 1 }],
      [1, 'B', { n: 2 }],
    ]);
    expect(read[1].position).toBe(result.position);
    expect(read[0].metadata).toEqual({ ...testEvent(1).metadata, recordedAt: expect.any(String) });
    expect(await store.readStream('zone-none')).toEqual([]);
    const both = await store.readStreams(['zone-none', 'zone-Z1']);
    expect([...both.keys()].sort()).toEqual(['zone-Z1', 'zone-none']);
    expect(both.get('zone-none')).toEqual([]);
    expect(both.get('zone-Z1')).toEqual(read);
  });

  it('gives a typed conflict error on a wrong expected revision, and appends nothing', async () => {
    await store.append('s', [testEvent(1, 'A')], { expectedRevision: 'no_stream' });
    await expect(store.append('s', [testEvent(2, 'B')], { expectedRevision: 'no_stream' })).rejects.toThrow(WrongExpectedRevisionError);
    await expect(store.append('s', [testEvent(2, 'B'), testEvent(3, 'C')], { expectedRevision: 5 })).rejects.toMatchObject({
      streamId: 's',
      expected: 5,
      actual: 0,
    });
    await expect(store.append('t', [testEvent(2, 'B')], { expectedRevision: 0 })).rejects.toMatchObject({ actual: 'no_stream' });
    expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A']);
    expect(await store.readStream('t')).toEqual([]);
    await store.append('s', [testEvent(2, 'B')], { expectedRevision: 0 });
    await store.append('s', [testEvent(3, 'C')], { expectedRevision: 'any' });
    expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A', 'B', 'C']);
  });

  it('appends to several streams at once, each checked against its own revision', async () => {
    await store.append('many-a', [testEvent(0, 'A0')]);
    const results = await store.appendMany([
      { streamId: 'many-a', events: [testEvent(1, 'A1'), testEvent(2, 'A2')], expectedRevision: 0 },
      { streamId: 'many-b', events: [testEvent(3, 'B0')], expectedRevision: 'no_stream' },
    ]);
    expect(results.map((result) => result.nextExpectedRevision)).toEqual([2, 0]);
    expect((await store.readStream('many-a')).map((e) => [e.revision, e.type])).toEqual([
      [0, 'A0'],
      [1, 'A1'],
      [2, 'A2'],
    ]);
    expect((await store.readStream('many-b')).at(-1)?.position).toBe(results[1].position);
    const all = await readLog(store, 4);
    expect(all.map((e) => e.type)).toEqual(['A0', 'A1', 'A2', 'B0']);

    await expect(
      store.appendMany([
        { streamId: 'many-c', events: [testEvent(4, 'C0')], expectedRevision: 'any' },
        { streamId: 'many-b', events: [testEvent(5, 'B1')], expectedRevision: 'no_stream' },
      ]),
    ).rejects.toMatchObject({ streamId: 'many-b', expected: 'no_stream', actual: 0 });
    expect((await store.readStream('many-b')).map((e) => e.type)).toEqual(['B0']);
  });

  it('appends a large batch to several streams in the order given, and reports where each stream ends', async () => {
    // Hundreds of events in one call: the bulk path of a store that has one (PostgreSQL's COPY).
    await store.append('bulk-b', [testEvent(0, 'B')]);
    const awkward = { text: 'tab\t, line\n, back\\slash, "quotes", é' };
    const results = await store.appendMany([
      {
        streamId: 'bulk-a',
        events: Array.from({ length: 300 }, (_, n) => ({ ...testEvent(1 + n, 'A'), data: { n: 1 + n, ...awkward } })),
        expectedRevision: 'no_stream',
      },
      { streamId: 'bulk-b', events: Array.from({ length: 200 }, (_, n) => testEvent(301 + n, 'B')), expectedRevision: 0 },
    ]);
    expect(results.map((result) => result.nextExpectedRevision)).toEqual([299, 200]);
    const all = await readLog(store, 501);
    expect(all.map((e) => (e.data as { n: number }).n)).toEqual(Array.from({ length: 501 }, (_, n) => n));
    expect(all[1].data).toEqual({ n: 1, ...awkward });
    expect(all[1].metadata).toEqual({ ...testEvent(1).metadata, recordedAt: expect.any(String) });
    expect(results).toEqual([
      { nextExpectedRevision: 299, position: all[300].position },
      { nextExpectedRevision: 200, position: all[500].position },
    ]);
    expect((await store.readStream('bulk-b')).map((e) => e.revision)).toEqual(Array.from({ length: 201 }, (_, n) => n));
  });

  it('reads all streams in log order from a checkpoint', async () => {
    await store.append('a', [testEvent(1, 'A1')]);
    await store.append('b', [testEvent(2, 'B1')]);
    await store.append('a', [testEvent(3, 'A2')]);
    const all = await readLog(store, 3);
    expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'A2']);
    expect([...all.map((e) => e.position)].sort()).toEqual(all.map((e) => e.position));
    expect((await store.readAll({ after: all[0].position, limit: 1 })).map((e) => e.type)).toEqual(['B1']);
  });

  it('reads a page of some event types, and reaches past the others it read', async () => {
    await store.append('a', [testEvent(1, 'A1'), testEvent(2, 'A2')]);
    await store.append('b', [testEvent(3, 'B1'), testEvent(4, 'B2'), testEvent(5, 'A3')]);
    const all = await readLog(store, 5);
    const wanted = new Set(['A1', 'A2', 'A3']);

    const first = await store.readPage({ after: START, limit: 4, eventTypes: wanted });
    // A page of four holds A1, A2, B1 and B2: B2 is the last read, not the last handed over.
    expect(first).toEqual({ events: all.slice(0, 2), reached: all[3].position });
    expect(await store.readPage({ after: all[3].position, limit: 4, eventTypes: wanted })).toEqual({ events: [all[4]], reached: all[4].position });
    expect(await store.readPage({ after: all[1].position, limit: 2, eventTypes: wanted })).toEqual({ events: [], reached: all[3].position });
    expect(await store.readPage({ after: all[4].position, limit: 4, eventTypes: wanted })).toEqual({ events: [], reached: undefined });
    expect(await store.readPage({ after: START, limit: 10 })).toEqual({ events: all, reached: all[4].position });
  });

  it('shows 8 concurrent writers x 1,000 appends to a live subscriber exactly once, in stream order, known in log order', async () => {
    const seen: StoredEvent[] = [];
    const total = 8 * 1000;
    let allSeen: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (allSeen = resolve));
    const subscription = store.subscribe({ after: START, batchSize: 300 }, async (events) => {
      seen.push(...events);
      if (seen.length >= total) allSeen();
    });
    await Promise.all(
      Array.from({ length: 8 }, async (_, writer) => {
        for (let i = 0; i < 1000; i++) await store.append(`stream-${(writer * 7 + i) % 13}`, [testEvent(writer * 1000 + i, 'Appended')]);
      }),
    );
    await finished;
    await subscription.stop();

    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(total);
    expect(new Set(seen.map((e) => (e.data as { n: number }).n)).size).toBe(total);
    const lastRevision = new Map<string, number>();
    for (const e of seen) {
      expect(e.revision).toBe((lastRevision.get(e.streamId) ?? -1) + 1);
      lastRevision.set(e.streamId, e.revision);
    }
    // The store stamps knowledge time as each append enters the log: never earlier than an event before it.
    const knownAt = seen.map((e) => Date.parse(e.metadata.recordedAt));
    knownAt.forEach((time, index) => expect(time).toBeGreaterThanOrEqual(index === 0 ? 0 : knownAt[index - 1]));
  });

  it('stamps the knowledge time of each append from its clock, and keeps the one a derived event names', async () => {
    const before = Date.now();
    await store.append('facts', [testEvent(1, 'Fact')]);
    const derived = { ...testEvent(2, 'Derived'), metadata: { ...testEvent(2).metadata, recordedAt: '2025-01-01T00:00:00.000Z' } };
    await store.append('derived', [derived]);
    const [fact, kept] = await readLog(store, 2);
    expect(Date.parse(fact.metadata.recordedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(fact.metadata.recordedAt)).toBeLessThanOrEqual(Date.now());
    expect(kept.metadata.recordedAt).toBe('2025-01-01T00:00:00.000Z');
    expect((await store.readStream('facts'))[0].metadata).toEqual(fact.metadata);
  });

  it('resumes a restarted subscriber from its stored checkpoint with no gap and no repeat', async () => {
    for (let i = 0; i < 10; i++) await store.append(`s-${i % 3}`, [testEvent(i, 'E')]);
    let stored: Checkpoint = START;
    const firstRun: number[] = [];
    const first = store.subscribe({ after: START, batchSize: 4 }, async (events) => {
      firstRun.push(...events.map((e) => (e.data as { n: number }).n));
      stored = events[events.length - 1].position;
      if (firstRun.length >= 4) throw new Error('crash after the first batch');
    });
    await expect(first.done).rejects.toThrow('crash after the first batch');
    for (let i = 10; i < 15; i++) await store.append(`s-${i % 3}`, [testEvent(i, 'E')]);

    const secondRun: number[] = [];
    let caughtUp: () => void = () => undefined;
    const allThere = new Promise<void>((resolve) => (caughtUp = resolve));
    const second = store.subscribe({ after: stored }, async (events) => {
      secondRun.push(...events.map((e) => (e.data as { n: number }).n));
      if (firstRun.length + secondRun.length >= 15) caughtUp();
    });
    await allThere;
    await second.stop();
    expect([...firstRun, ...secondRun].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('hands a subscriber of some event types only those, and still moves its checkpoint past the others', async () => {
    // 1,200 events, every tenth one wanted: pages of 100 hold wanted events and pages hold none
    for (let i = 0; i < 1200; i += 100)
      await store.append(
        `mixed-${i / 100}`,
        Array.from({ length: 100 }, (_, k) => testEvent(i + k, (i + k) % 10 === 0 ? 'Wanted' : 'Other')),
      );
    await store.append('tail', [testEvent(1200, 'Other')]);
    const [last] = (await store.readStream('tail')).map((e) => e.position);

    const wanted: number[] = [];
    const calls: { events: number; reached: Checkpoint }[] = [];
    let reachedEnd: () => void = () => undefined;
    const atEnd = new Promise<void>((resolve) => (reachedEnd = resolve));
    const subscription = store.subscribe({ after: START, batchSize: 100, eventTypes: new Set(['Wanted']) }, async (events, reached) => {
      wanted.push(...events.map((e) => (e.data as { n: number }).n));
      expect(events.every((e) => e.type === 'Wanted' && e.position <= reached)).toBe(true);
      calls.push({ events: events.length, reached });
      if (reached === last) reachedEnd();
    });
    await atEnd;
    await subscription.stop();

    expect(wanted).toEqual(Array.from({ length: 120 }, (_, i) => i * 10));
    // the last page holds only the unwanted tail event: handed over empty, so a checkpoint can pass it
    expect(calls.at(-1)).toEqual({ events: 0, reached: last });
    expect(calls.map((call) => call.reached)).toEqual([...calls.map((call) => call.reached)].sort());
  });
}
