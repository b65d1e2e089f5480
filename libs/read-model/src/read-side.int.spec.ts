import { Alerting } from '@turnaround/alerting';
import { manualClock, Target } from '@turnaround/domain';
import { Checkpoint, PostgresEventStore, LogFollower, rebuildProjection, StoredEvent } from '@turnaround/event-store';
import { wholeLog } from '@turnaround/event-store/testing';
import { SqlClient } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { ScorecardQueries } from './scorecards/scorecard.queries';
import { readSideProjection, ReadSideSettings } from './read-side';
import { math, oneClusterZone, push, registry, Step, stepAppender } from './testing/knowledge-steps';
import { testCatalogues } from '@turnaround/domain/testing';

jest.setTimeout(120_000);

const SETTINGS: ReadSideSettings = { rules: { tolerance: 0 }, catalogues: testCatalogues() };

/**
 * One cluster C1 of two schools in two districts (A in D1, B in D2) under contract K1 (start
 * 2023-24, baseline 2022-23). School targets: math proficiency gains 5 points in year 1 and 10
 * in year 2. Baselines: A 20/100 = 0.20 (threshold 0.25), B 30/100 = 0.30 (threshold 0.35).
 */
const TARGETS: Target[] = [
  { metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' },
  { metric: 'proficiency.math', contractYear: 2, kind: 'gain', value: 0.1, scope: 'school' },
];

const REGISTRY = oneClusterZone(TARGETS);
// Winter interims: A 22/100 is below 0.25 (at risk); B 40/100 reaches 0.35 (on track).
const INTERIMS = [math('A', '2023-24', 'winter', 22), math('B', '2023-24', 'winter', 40)];
// Spring results: A 26/100 meets 0.25; B 36/100 meets 0.35.
const SPRING = [math('A', '2023-24', 'spring', 26), math('B', '2023-24', 'spring', 36)];

/** The pushes of issue 16: an interim that puts A at risk in January, and in June a spring result that meets the target. */
const APART: Step[] = [...REGISTRY, push('2024-01-15T00:00:00.000Z', ...INTERIMS), push('2024-06-20T00:00:00.000Z', ...SPRING)];

interface World {
  sql: SqlClient;
  store: PostgresEventStore;
  alerting: Alerting;
  /** Appends one step as the API or a feed channel would. */
  append(step: Step): Promise<void>;
  head(): Promise<Checkpoint>;
  alertEvents(): Promise<{ type: string; alertId: string; knownAt: string; data: unknown }[]>;
}

describe.each(testDatabases({ timescaledb: true }))('the read side decides scorecards and alerts from the facts alone, on $name', (database) => {
  const worlds: World[] = [];
  afterAll(() => Promise.all(worlds.map((world) => world.store.close())));

  async function world(): Promise<World> {
    const sql = await database.open();
    const clock = manualClock();
    const store = await PostgresEventStore.create(sql, { clock });
    const alerting = await Alerting.create(store, sql);
    const appendStep = await stepAppender(store, sql, clock);
    const created: World = {
      sql,
      store,
      alerting,
      append: appendStep,
      head: async () => ((await wholeLog(store, sql)).at(-1) as StoredEvent).position,
      alertEvents: async () =>
        (await wholeLog(store, sql))
          .filter((event) => event.type.startsWith('OffTrackAlert'))
          .map((event) => ({ type: event.type, alertId: (event.data as { alertId: string }).alertId, knownAt: event.metadata.recordedAt, data: event.data })),
    };
    worlds.push(created);
    return created;
  }

  /** (a) The service processes each push as it arrives: it follows the log, and alerts once each push is judged. */
  async function live(steps: readonly Step[]): Promise<World> {
    const w = await world();
    const runner = new LogFollower(w.store, w.sql, readSideProjection(SETTINGS));
    await runner.start();
    for (const step of steps) {
      await w.append(step);
      expect(await runner.waitFor(await w.head(), 20_000)).toBe(true);
      await w.alerting.drain();
    }
    await runner.stop();
    return w;
  }

  /** (b) The service was down while the pushes were stored (the CLI, a Kafka backlog): started, it catches up. */
  async function backlog(steps: readonly Step[]): Promise<World> {
    const w = await world();
    for (const step of steps) await w.append(step);
    const runner = new LogFollower(w.store, w.sql, readSideProjection(SETTINGS));
    await runner.start();
    expect(await runner.waitFor(await w.head(), 20_000)).toBe(true);
    await runner.stop();
    await w.alerting.drain();
    return w;
  }

  /** (c) A runner that reads the log in pages of `size`. */
  async function paged(steps: readonly Step[], size: number): Promise<World> {
    const w = await world();
    for (const step of steps) await w.append(step);
    await wholeLog(w.store, w.sql);
    await new LogFollower(w.store, w.sql, readSideProjection(SETTINGS)).catchUp(size);
    await w.alerting.drain();
    return w;
  }

  // The read model's tables; a change's log position is left out: it is the store's own (the
  // live run's log also holds its alert events between the pushes).
  const readModel = (sql: SqlClient) =>
    Promise.all(
      [
        'scorecard_lines',
        'scorecard_line_history',
        'scorecard_changes',
        'scorecard_targets',
        'school_metrics',
        'school_metric_history',
        'registry_contracts',
        'feed_coverage',
        'feed_coverage_history',
      ].map((table) => sql.query(`SELECT to_jsonb(t) - 'position' AS row FROM ${table} t ORDER BY 1`)),
    );

  it('gives the same alerts whether the pushes are processed live, as a backlog, in pages of 1 or 2,000, or replayed from zero', async () => {
    const asArrived = await live(APART);
    const expected = await asArrived.alertEvents();
    // The early warning is raised when the interim is known, and resolved when the spring result is.
    expect(expected.map(({ type, knownAt }) => [type, knownAt])).toEqual([
      ['OffTrackAlertRaised', '2024-01-15T00:00:00.000Z'],
      ['OffTrackAlertResolved', '2024-06-20T00:00:00.000Z'],
    ]);
    expect(expected[0].data).toMatchObject({ schoolId: 'A', checkpoint: 'early_warning', target: 0.25, actual: 0.22, districtIds: ['D1'] });
    // resolved by the spring result 0.26, the value it carries (not the interim's 0.22 that raised it)
    expect(expected[1].data).toEqual({ alertId: expected[0].alertId, reason: 'the target is met', actual: 0.26 });

    for (const other of [await backlog(APART), await paged(APART, 1), await paged(APART, 2_000)]) {
      expect(await other.alertEvents()).toEqual(expected);
      expect(await readModel(other.sql)).toEqual(await readModel(asArrived.sql));
    }

    // (d) `turnaround replay`: rebuilt from zero, the tables are the same and no alert is raised again.
    const before = await readModel(asArrived.sql);
    await rebuildProjection(asArrived.store, asArrived.sql, readSideProjection(SETTINGS));
    await asArrived.alerting.drain();
    expect(await readModel(asArrived.sql)).toEqual(before);
    expect(await asArrived.alertEvents()).toEqual(expected);
  });

  it('raises no early warning for an interim pushed together with its spring result: they are known together', async () => {
    const together = [...REGISTRY, push('2024-06-20T00:00:00.000Z', ...INTERIMS, ...SPRING)];
    for (const w of [await live(together), await paged(together, 1)]) {
      expect(await w.alertEvents()).toEqual([]);
      const card = await new ScorecardQueries(w.sql).scorecard('K1');
      expect(card.lines.find((line) => line.subjectId === 'A' && line.contractYear === 1)).toMatchObject({ status: 'met', actual: 0.26, evidence: 'final' });
    }
  });

  it('re-entry: missed, restated to met, restated to missed gives raised, resolved, reopened on the same alert', async () => {
    const w = await live([
      ...REGISTRY,
      push('2024-06-20T00:00:00.000Z', math('A', '2023-24', 'spring', 20)), // 0.20 misses 0.25
      push('2024-07-01T00:00:00.000Z', math('A', '2023-24', 'spring', 26)), // restated: 0.26 meets it
      push('2024-07-10T00:00:00.000Z', math('A', '2023-24', 'spring', 21)), // restated again: 0.21 misses
    ]);
    const events = await w.alertEvents();
    expect(events.map(({ type, knownAt }) => [type, knownAt])).toEqual([
      ['OffTrackAlertRaised', '2024-06-20T00:00:00.000Z'],
      ['OffTrackAlertResolved', '2024-07-01T00:00:00.000Z'],
      ['OffTrackAlertReopened', '2024-07-10T00:00:00.000Z'],
    ]);
    expect(new Set(events.map((event) => event.alertId)).size).toBe(1);
    expect(events[2].data).toMatchObject({ actual: 0.21, severity: 'warning' });
  });

  it('an amendment recorded after year 1 is final changes years 2 and later only; year 1 keeps its target and its alert', async () => {
    const amendedAt = '2024-08-01T00:00:00.000Z';
    const w = await live([
      ...REGISTRY,
      push('2024-06-20T00:00:00.000Z', math('A', '2023-24', 'spring', 22), math('B', '2023-24', 'spring', 36)), // A 0.22 misses 0.25
      registry(amendedAt, 'contract-K1', 'ContractTargetsAmended', {
        contractId: 'K1',
        reason: 'renegotiated',
        targets: [
          { metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.01, scope: 'school' }, // would make A meet year 1
          { metric: 'proficiency.math', contractYear: 2, kind: 'gain', value: 0.2, scope: 'school' },
        ],
      }),
      push('2024-09-01T00:00:00.000Z', math('A', '2024-25', 'fall', 35)),
    ]);
    expect((await w.alertEvents()).map(({ type, data }) => [type, (data as { checkpoint?: string }).checkpoint])).toEqual([
      ['OffTrackAlertRaised', 'year_end'],
      // year 2: A's fall interim 0.35 is below the amended 0.20 + 0.20 = 0.40 (it would reach the signed 0.30)
      ['OffTrackAlertRaised', 'early_warning'],
    ]);
    const card = await new ScorecardQueries(w.sql).scorecard('K1');
    const a1 = card.lines.find((line) => line.subjectId === 'A' && line.contractYear === 1);
    const a2 = card.lines.find((line) => line.subjectId === 'A' && line.contractYear === 2);
    expect(a1).toMatchObject({ status: 'missed', threshold: 0.25, target: { value: 0.05 }, targetSince: '2023-06-01T09:00:07.000Z' });
    expect(a2).toMatchObject({ status: 'at_risk', threshold: 0.4, target: { value: 0.2 }, targetSince: amendedAt });
  });

  it('termination withdraws the open alerts with its reason, and keeps the reason and date', async () => {
    const terminatedAt = '2024-08-01T00:00:00.000Z';
    const w = await live([
      ...REGISTRY,
      push('2024-06-20T00:00:00.000Z', math('A', '2023-24', 'spring', 20), math('B', '2023-24', 'spring', 31)),
      registry(terminatedAt, 'contract-K1', 'ContractTerminated', { contractId: 'K1', reason: 'partner withdrew' }),
    ]);
    const events = await w.alertEvents();
    // both schools missed: A, B, and the cluster (2 of 2 missed, every district of the cluster told)
    const raised = events
      .filter((event) => event.type === 'OffTrackAlertRaised')
      .map((event) => event.data as { schoolId?: string; clusterId?: string; districtIds: string[] });
    expect(raised.map((alert) => [alert.schoolId ?? alert.clusterId, alert.districtIds])).toEqual([
      ['A', ['D1']],
      ['B', ['D2']],
      ['C1', ['D1', 'D2']],
    ]);
    const withdrawn = events.filter((event) => event.type === 'OffTrackAlertResolved');
    // a withdrawal was resolved by no value: it says so (null)
    expect(withdrawn.map((event) => [(event.data as { reason: string }).reason, (event.data as { actual: number | null }).actual, event.knownAt])).toEqual(
      Array(3).fill(['contract_terminated', null, terminatedAt]),
    );
    const card = await new ScorecardQueries(w.sql).scorecard('K1');
    expect(card).toMatchObject({ status: 'terminated', termination: { at: terminatedAt, reason: 'partner withdrew' } });
  });
});
