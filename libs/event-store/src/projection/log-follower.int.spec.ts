import { waitUntil } from '@turnaround/domain/testing';
import { testDatabases } from '@turnaround/postgres/testing';
import { PostgresEventStore } from '../postgres/postgres-event-store.adapter';
import { testEvent } from '../testing/events';
import { Projection, LogFollower, projectionsReached } from './log-follower';
import { rebuildProjection } from './rebuild';

jest.setTimeout(60_000);

describe.each(testDatabases())('LogFollower on $name', (database) => {
  it('leaves no half-applied batch when it fails between writing rows and committing, and counts each event once after a restart', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    for (let n = 1; n <= 6; n++) await store.append(`s-${n % 2}`, [testEvent(n)]);

    let failOnEvent: number | undefined = 5;
    const projection: Projection = {
      name: 'counter',
      migrations: [{ id: '0001', sql: 'CREATE TABLE counted (n int NOT NULL)' }],
      tables: ['counted'],
      async apply(tx, events) {
        for (const stored of events) {
          const { n } = stored.data as { n: number };
          await tx.query('INSERT INTO counted (n) VALUES ($1)', [n]);
          if (n === failOnEvent) throw new Error('killed after writing rows, before commit');
        }
      },
    };
    const errors: unknown[] = [];
    const runner = new LogFollower(store, sql, projection, {
      onError: (error) => {
        errors.push(error);
        failOnEvent = undefined; // the restart after the crash succeeds
      },
    });
    await runner.start();
    const { position } = await store.append('s-last', [testEvent(7)]);
    expect(await runner.waitFor(position, 10_000)).toBe(true);
    await runner.stop();

    expect(errors).toHaveLength(1);
    const counted = await sql.query<{ n: number }>('SELECT n FROM counted ORDER BY n');
    expect(counted.map((row) => row.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await store.close();
  });

  it('runs one leader of a projection across two runners (two instances): the standby mirrors its checkpoint and takes over when it stops', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    const lease = { ttlMs: 2_000, renewMs: 100 };
    const counted = (holder: string): Projection => ({
      name: 'counted-by-one',
      migrations: [{ id: '0001', sql: 'CREATE TABLE counted_by (n int NOT NULL, runner text NOT NULL)' }],
      tables: ['counted_by'],
      async apply(tx, events) {
        for (const stored of events) await tx.query('INSERT INTO counted_by (n, runner) VALUES ($1, $2)', [(stored.data as { n: number }).n, holder]);
      },
    });
    const first = new LogFollower(store, sql, counted('first'), { lease, holder: 'first' });
    const second = new LogFollower(store, sql, counted('second'), { lease, holder: 'second' });
    await first.start();
    await second.start();
    expect([first.status().role, second.status().role]).toEqual(['leader', 'standby']);

    let position = '';
    for (let n = 1; n <= 20; n++) position = (await store.append(`s-${n % 3}`, [testEvent(n)])).position;
    // a command answered by the standby's instance waits on the leader's progress
    expect(await second.waitFor(position as never, 10_000)).toBe(true);
    await first.stop();
    await waitUntil(
      () => second.status().role,
      (role) => expect(role).toBe('leader'),
    );
    for (let n = 21; n <= 40; n++) position = (await store.append(`s-${n % 3}`, [testEvent(n)])).position;
    expect(await second.waitFor(position as never, 10_000)).toBe(true);
    await second.stop();

    const rows = await sql.query<{ n: number; runner: string }>('SELECT n, runner FROM counted_by ORDER BY n');
    expect(rows.map((row) => row.n)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(rows.slice(0, 20).map((row) => row.runner))).toEqual(new Set(['first']));
    expect(new Set(rows.slice(20).map((row) => row.runner))).toEqual(new Set(['second']));
    await store.close();
  });

  it('takes over from a leader that died without handing its lease back, once the lease lapses, from its last committed checkpoint', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    const projection: Projection = {
      name: 'counted-after-death',
      migrations: [{ id: '0001', sql: 'CREATE TABLE counted_after (n int NOT NULL)' }],
      tables: ['counted_after'],
      async apply(tx, events) {
        for (const stored of events) await tx.query('INSERT INTO counted_after (n) VALUES ($1)', [(stored.data as { n: number }).n]);
      },
    };
    // what a killed instance leaves: three events applied and committed, a lease nobody renews
    const dead = new LogFollower(store, sql, projection, { holder: 'dead' });
    for (let n = 1; n <= 3; n++) await store.append(`s-${n}`, [testEvent(n)]);
    await dead.catchUp();
    await sql.query(`UPDATE projection_checkpoints SET leader = 'dead', lease_until = now() + interval '1 second' WHERE projection = 'counted-after-death'`);
    const { position } = await store.append('s-4', [testEvent(4)]);

    const standby = new LogFollower(store, sql, projection, { lease: { ttlMs: 1_000, renewMs: 100 }, holder: 'standby' });
    await standby.start();
    expect(standby.status().role).toBe('standby');
    expect(await standby.waitFor(position, 10_000)).toBe(true);
    expect(standby.status().role).toBe('leader');
    await standby.stop();
    expect((await sql.query<{ n: number }>('SELECT n FROM counted_after ORDER BY n')).map((row) => row.n)).toEqual([1, 2, 3, 4]);
    await store.close();
  });

  it('applies only the event types a projection reads, following the log and rebuilding, and still reaches the position of an event it does not read', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    const projection: Projection = {
      name: 'counted-only',
      eventTypes: new Set(['Counted']),
      migrations: [{ id: '0001', sql: 'CREATE TABLE counted_only (n int NOT NULL, type text NOT NULL)' }],
      tables: ['counted_only'],
      async apply(tx, events) {
        for (const stored of events) await tx.query('INSERT INTO counted_only (n, type) VALUES ($1, $2)', [(stored.data as { n: number }).n, stored.type]);
      },
    };
    const runner = new LogFollower(store, sql, projection);
    await runner.start();
    for (let n = 1; n <= 6; n++) await store.append(`s-${n % 2}`, [testEvent(n, n % 3 === 0 ? 'Counted' : 'Ignored')]);
    const { position } = await store.append('s-last', [testEvent(7, 'Ignored')]);
    // what the alerting waits on: the stored checkpoint, moved past events the projection does not read
    await projectionsReached(sql, ['counted-only'], position, 10_000);
    expect(await runner.waitFor(position, 1_000)).toBe(true);
    await runner.stop();

    const applied = [
      { n: 3, type: 'Counted' },
      { n: 6, type: 'Counted' },
    ];
    expect(await sql.query('SELECT n, type FROM counted_only ORDER BY n')).toEqual(applied);
    // a rebuild's catch-up hands over the same events only
    await rebuildProjection(store, sql, projection);
    expect(await sql.query('SELECT n, type FROM counted_only ORDER BY n')).toEqual(applied);
    await store.close();
  });

  it('parks before a poison event after backing off, with everything before it applied, and resumes once it is fixed', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    for (let n = 1; n <= 6; n++) await store.append(`s-${n}`, [testEvent(n)]);
    const [poison] = await store.readStream('s-4');

    let fixed = false;
    const projection: Projection = {
      name: 'poisoned',
      migrations: [{ id: '0001', sql: 'CREATE TABLE poisoned (n int NOT NULL)' }],
      tables: ['poisoned'],
      async apply(tx, events) {
        for (const stored of events) {
          const { n } = stored.data as { n: number };
          if (n === 4 && !fixed) throw new Error('cannot apply n = 4');
          await tx.query('INSERT INTO poisoned (n) VALUES ($1)', [n]);
        }
      },
    };
    const errors: string[] = [];
    const runner = new LogFollower(store, sql, projection, {
      onError: (error) => errors.push(String(error)),
      retry: { baseDelayMs: 5, maxDelayMs: 20, attempts: 3 },
    });
    await runner.start();
    await waitUntil(
      () => runner.status().parked,
      (parked) => expect(parked).toBeDefined(),
    );

    expect(runner.status()).toMatchObject({
      name: 'poisoned',
      failures: 3,
      parked: { eventId: poison.eventId, eventType: 'Counted', streamId: 's-4', error: 'cannot apply n = 4', attempts: 3 },
    });
    // the batch of six was applied one event at a time: the runner stands right before the poison event
    expect((await sql.query<{ n: number }>('SELECT n FROM poisoned ORDER BY n')).map((row) => row.n)).toEqual([1, 2, 3]);
    expect(await runner.lag()).toMatchObject({ events: 3 });
    expect(errors.filter((error) => error.includes(`parked before event ${poison.eventId}`))).toHaveLength(1);
    // parked means parked: a new event is not applied either
    const { position } = await store.append('s-7', [testEvent(7)]);
    expect(await runner.waitFor(position, 300)).toBe(false);

    fixed = true;
    expect(runner.resume()).toBe(true);
    expect(await runner.waitFor(position, 10_000)).toBe(true);
    expect(runner.status()).toEqual({ name: 'poisoned', role: 'leader', position, failures: 0 });
    expect(await runner.lag()).toEqual({ events: 0, seconds: 0 });
    expect(runner.resume()).toBe(false);
    await runner.stop();
    expect((await sql.query<{ n: number }>('SELECT n FROM poisoned ORDER BY n')).map((row) => row.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await store.close();
  });

  it('does not park while the database does not answer: an outage is not a poison event', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    await store.append('s-1', [testEvent(1)]);
    let down = true;
    const projection: Projection = {
      name: 'outage',
      migrations: [],
      tables: [],
      async apply() {
        if (down) throw new Error('connection refused');
      },
    };
    const pings = jest.spyOn(store, 'ping').mockImplementation(async () => {
      if (down) throw new Error('connection refused');
    });
    const runner = new LogFollower(store, sql, projection, { retry: { baseDelayMs: 5, maxDelayMs: 20, attempts: 2 } });
    await runner.start();
    await waitUntil(
      () => pings.mock.calls.length,
      (calls) => expect(calls).toBeGreaterThanOrEqual(3),
    );
    expect(runner.status().parked).toBeUndefined();

    down = false;
    await waitUntil(
      () => runner.lag(),
      (lag) => expect(lag.events).toBe(0),
    );
    expect(runner.status()).toEqual({ name: 'outage', role: 'leader', position: expect.any(String), failures: 0 });
    await runner.stop();
    await store.close();
  });
});
