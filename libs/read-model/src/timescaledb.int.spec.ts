import { Alerting } from '@turnaround/alerting';
import { manualClock } from '@turnaround/domain';
import { PostgresEventStore, LogFollower, rebuildProjection } from '@turnaround/event-store';
import { wholeLog } from '@turnaround/event-store/testing';
import { SqlClient } from '@turnaround/postgres';
import { testServers } from '@turnaround/postgres/testing';
import { AlertQueries } from './alerts/alert.queries';
import { alertsProjection } from './alerts/alerts.projection';
import { MetricQueries } from './metrics/metric.queries';
import { readSideProjection, ReadSideSettings } from './read-side';
import { ScorecardQueries } from './scorecards/scorecard.queries';
import { HISTORY_TABLES, math, PAST_YEAR_STEPS, push, Step, stepAppender } from './testing/knowledge-steps';
import { testCatalogues } from '@turnaround/domain/testing';

jest.setTimeout(120_000);

const SETTINGS: ReadSideSettings = { rules: { tolerance: 0 }, catalogues: testCatalogues() };
/** Learned after the continuous aggregate was last refreshed: its real-time part must show it. */
const RESTATEMENT = push('2024-09-02T00:00:00.000Z', math('B', '2023-24', 'spring', 36));

interface World {
  sql: SqlClient;
  store: PostgresEventStore;
  /** Appends steps as the API and a feed channel would, and brings the read side and the alerts up to date. */
  learn(steps: readonly Step[]): Promise<void>;
}

async function world(sql: SqlClient): Promise<World> {
  const clock = manualClock();
  const store = await PostgresEventStore.create(sql, { clock });
  const alerting = await Alerting.create(store, sql);
  const appendStep = await stepAppender(store, sql, clock);
  return {
    sql,
    store,
    async learn(steps) {
      for (const step of steps) {
        await appendStep(step);
        await wholeLog(store, sql);
        await new LogFollower(store, sql, readSideProjection(SETTINGS)).catchUp();
        await alerting.drain();
      }
      await wholeLog(store, sql);
      await new LogFollower(store, sql, alertsProjection).catchUp();
    },
  };
}

/** What the service answers from the history tables and the roll-up: every row, and the reads as of a few dates. */
async function answers(sql: SqlClient) {
  const metrics = new MetricQueries(sql);
  const scorecards = new ScorecardQueries(sql);
  const alerts = new AlertQueries(sql);
  const alertIds = (await sql.query<{ alert_id: string }>('SELECT DISTINCT alert_id FROM alert_history ORDER BY 1')).map((row) => row.alert_id);
  const asOf = ['2024-01-20', '2024-07-01', '2024-12-31'].map((date) => new Date(`${date}T00:00:00Z`));
  return {
    metricHistory: await sql.query('SELECT * FROM school_metric_history ORDER BY school_id, school_year, metric, known_at'),
    lineHistory: await sql.query('SELECT * FROM scorecard_line_history ORDER BY contract_id, scope, subject_id, metric, contract_year, known_at'),
    alertHistory: await sql.query('SELECT * FROM alert_history ORDER BY alert_id, sequence'),
    changesDaily: await sql.query(
      'SELECT day, school_year, metric, changes::int, suppressed_changes::int FROM metric_changes_daily ORDER BY day, school_year, metric',
    ),
    asOf: await Promise.all(
      asOf.map(async (date) => ({
        cluster: await metrics.cluster('C1', undefined, date),
        scorecard: await scorecards.scorecard('K1', date),
        alerts: await Promise.all(alertIds.map((id) => alerts.alert(id, date).catch((error: Error) => error.name))),
      })),
    ),
  };
}

/** Moves every chunk of the history tables to the columnstore now, as the policy does once they are a month old. */
async function compressAll(sql: SqlClient): Promise<number> {
  const rows = await sql.query<{ chunk: string }>(
    `SELECT compress_chunk(c, if_not_compressed => true)::text AS chunk FROM unnest($1::text[]) AS h(name), show_chunks(h.name::regclass) c`,
    [HISTORY_TABLES],
  );
  return rows.length;
}

const refreshChangesDaily = (sql: SqlClient) => sql.query(`CALL refresh_continuous_aggregate('metric_changes_daily', NULL, NULL)`);

const servers = testServers({ timescaledb: true });
const plainServer = servers.find((server) => server.name === 'postgres');
const timescaleServer = servers.find((server) => server.name === 'timescaledb');

(plainServer && timescaleServer ? describe : describe.skip)('the read model on TimescaleDB answers as on plain PostgreSQL', () => {
  let plain: World;
  let timescale: World;
  beforeAll(async () => {
    [plain, timescale] = await Promise.all([plainServer, timescaleServer].map(async (server) => world(await (server as NonNullable<typeof server>).open())));
    await Promise.all([plain, timescale].map((w) => w.learn(PAST_YEAR_STEPS)));
  });
  afterAll(() => Promise.all([plain, timescale].map((w) => w?.store.close())));

  it('keeps the history in hypertables, sends old history to the columnstore by policy, and rolls up per day continuously', async () => {
    expect(
      await timescale.sql.query(
        `SELECT hypertable_name AS name, compression_enabled AS columnstore FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public' ORDER BY 1`,
      ),
    ).toEqual(HISTORY_TABLES.map((name) => ({ name, columnstore: true })));
    expect(
      await timescale.sql.query(
        `SELECT hypertable_name AS name, config->>'compress_after' AS after FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_schema = 'public' ORDER BY 1`,
      ),
    ).toEqual(HISTORY_TABLES.map((name) => ({ name, after: '30 days' })));
    expect(await timescale.sql.query(`SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates`)).toEqual([
      { view_name: 'metric_changes_daily', materialized_only: false },
    ]);
    expect(
      await timescale.sql.query(`SELECT count(*)::int AS policies FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate'`),
    ).toEqual([{ policies: 1 }]);
    // Plain PostgreSQL has the same names as a table and a view.
    expect(
      await plain.sql.query(`SELECT relname, relkind FROM pg_class WHERE relname = ANY($1::text[]) ORDER BY relkind, relname`, [
        [...HISTORY_TABLES, 'metric_changes_daily'],
      ]),
    ).toEqual([...HISTORY_TABLES.map((relname) => ({ relname, relkind: 'r' })), { relname: 'metric_changes_daily', relkind: 'v' }]);
  });

  it('answers the same from the rowstore, the columnstore and the materialized roll-up, and goes on learning', async () => {
    const expected = await answers(plain.sql);
    expect(expected.alertHistory.length).toBeGreaterThan(0);
    expect(expected.lineHistory.length).toBeGreaterThan(0);
    expect(await answers(timescale.sql)).toEqual(expected);

    expect(await compressAll(timescale.sql)).toBeGreaterThanOrEqual(HISTORY_TABLES.length);
    await refreshChangesDaily(timescale.sql);
    expect(
      await timescale.sql.query(
        `SELECT count(*)::int AS rowstore FROM timescaledb_information.chunks WHERE hypertable_name = ANY($1::text[]) AND NOT is_compressed`,
        [HISTORY_TABLES],
      ),
    ).toEqual([{ rowstore: 0 }]);
    expect(await answers(timescale.sql)).toEqual(expected);

    // A later knowledge time, past what the roll-up has materialized: real-time rows show it before any refresh.
    await Promise.all([plain, timescale].map((w) => w.learn([RESTATEMENT])));
    const restated = await answers(plain.sql);
    expect(restated.changesDaily).not.toEqual(expected.changesDaily);
    expect(await answers(timescale.sql)).toEqual(restated);
  });

  it('rebuilds from position zero over compressed history into the same answers', async () => {
    await compressAll(timescale.sql);
    const expected = await answers(plain.sql);
    for (const projection of [readSideProjection(SETTINGS), alertsProjection]) await rebuildProjection(timescale.store, timescale.sql, projection);
    // Deleting and rewriting materialized days leaves the roll-up right without a refresh: the rows come back the same.
    expect(await answers(timescale.sql)).toEqual(expected);
  });
});
