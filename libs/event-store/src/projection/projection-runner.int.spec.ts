import { testDatabases } from '@turnaround/postgres/testing';
import { EventToAppend } from '../event-store.port';
import { PostgresEventStore } from '../postgres/postgres-event-store.adapter';
import { Projection, ProjectionRunner, projectionsReached, rebuildProjection } from './projection-runner';

jest.setTimeout(60_000);

const event = (n: number, type = 'Counted'): EventToAppend => ({
  type,
  schemaVersion: 1,
  data: { n },
  metadata: { recordedAt: '2025-01-01T00:00:00Z', source: { channel: 'system' }, correlationId: 'c', actor: 'a' },
});

describe.each(testDatabases())('ProjectionRunner on $name', (database) => {
  it('leaves no half-applied batch when it fails between writing rows and committing, and counts each event once after a restart', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    for (let n = 1; n <= 6; n++) await store.append(`s-${n % 2}`, [event(n)]);

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
    const runner = new ProjectionRunner(store, sql, projection, (error) => {
      errors.push(error);
      failOnEvent = undefined; // the restart after the crash succeeds
    });
    await runner.start();
    const { position } = await store.append('s-last', [event(7)]);
    expect(await runner.waitFor(position, 10_000)).toBe(true);
    await runner.stop();

    expect(errors).toHaveLength(1);
    const counted = await sql.query<{ n: number }>('SELECT n FROM counted ORDER BY n');
    expect(counted.map((row) => row.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
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
    const runner = new ProjectionRunner(store, sql, projection);
    await runner.start();
    for (let n = 1; n <= 6; n++) await store.append(`s-${n % 2}`, [event(n, n % 3 === 0 ? 'Counted' : 'Ignored')]);
    const { position } = await store.append('s-last', [event(7, 'Ignored')]);
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
});
