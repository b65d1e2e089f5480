import { manualClock } from '@turnaround/domain';
import { LogFollower, PostgresEventStore } from '@turnaround/event-store';
import { wholeLog } from '@turnaround/event-store/testing';
import { testCatalogues, waitUntil } from '@turnaround/domain/testing';
import { quoteIdentifier, SqlClient } from '@turnaround/postgres';
import { testServers } from '@turnaround/postgres/testing';
import { alertsProjection } from './alerts/alerts.projection';
import { readSideProjection } from './read-side';
import { HISTORY_TABLES, PAST_YEAR_STEPS, stepAppender } from './testing/knowledge-steps';

jest.setTimeout(180_000);

/** The scheduler starts a job within a second of its next start; a columnstore pass over a few chunks takes a few more. */
const JOBS_DEADLINE_MS = 120_000;

interface JobRun {
  job_id: number;
  proc_name: string;
  hypertable_name: string | null;
  last_run_status: string | null;
  succeeded: boolean;
  last_error: string | null;
}

/**
 * The jobs TimescaleDB's scheduler runs in this database, and whether each has succeeded since
 * `since`. Telemetry is left out: the test server turns it off, so it never runs there.
 */
const jobRuns = (sql: SqlClient, since: Date) =>
  sql.query<JobRun>(
    `SELECT j.job_id, j.proc_name, j.hypertable_name, s.last_run_status,
       coalesce(s.last_run_status = 'Success' AND s.last_successful_finish >= $1, false) AS succeeded,
       (SELECT e.err_message FROM timescaledb_information.job_errors e WHERE e.job_id = j.job_id ORDER BY e.finish_time DESC LIMIT 1) AS last_error
     FROM timescaledb_information.jobs j
     LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
     WHERE j.scheduled AND j.proc_name <> 'policy_telemetry'
     ORDER BY j.proc_name, j.hypertable_name`,
    [since],
  );

/** Until every job has succeeded since `since`; past the deadline, the failure names those that have not, with their last error. */
const untilEveryJobSucceeded = (sql: SqlClient, since: Date): Promise<JobRun[]> =>
  waitUntil(
    () => jobRuns(sql, since),
    (runs) =>
      expect(
        runs
          .filter((run) => !run.succeeded)
          .map(
            (run) =>
              `${run.job_id} ${run.proc_name}${run.hypertable_name ? ` on ${run.hypertable_name}` : ''}: ${run.last_run_status ?? 'not run'}${run.last_error ? ` (${run.last_error})` : ''}`,
          ),
      ).toEqual([]),
    JOBS_DEADLINE_MS,
  );

const timescaleServer = testServers({ timescaledb: true }).find((server) => server.name === 'timescaledb');

(timescaleServer ? describe : describe.skip)("TimescaleDB's own scheduler runs the read model's policies", () => {
  let sql: SqlClient;
  let store: PostgresEventStore;
  beforeAll(async () => {
    sql = await (timescaleServer as NonNullable<typeof timescaleServer>).open();
    const clock = manualClock();
    store = await PostgresEventStore.create(sql, { clock });
    const appendStep = await stepAppender(store, sql, clock);
    for (const step of PAST_YEAR_STEPS) await appendStep(step);
    await wholeLog(store, sql);
    // The service's own migrations make the hypertables, the continuous aggregate and their policies.
    for (const projection of [readSideProjection({ rules: { tolerance: 0 }, catalogues: testCatalogues() }), alertsProjection])
      await new LogFollower(store, sql, projection).catchUp();
  });
  afterAll(async () => {
    // A scheduler left running would hold up dropping the scratch database.
    await sql?.query('SELECT _timescaledb_functions.stop_background_workers()');
    await store?.close();
  });

  it('runs every policy job to success, moving old history to the columnstore and materializing the daily roll-up', async () => {
    const [{ now }] = await sql.query<{ now: Date }>('SELECT now()');
    await sql.query(`SELECT alter_job(job_id, next_start => now()) FROM timescaledb_information.jobs WHERE scheduled AND proc_name <> 'policy_telemetry'`);
    await sql.query('SELECT _timescaledb_functions.start_background_workers()');

    const runs = await untilEveryJobSucceeded(sql, now);
    expect(runs.map(({ proc_name, hypertable_name }) => ({ proc_name, hypertable_name }))).toEqual([
      ...HISTORY_TABLES.map((name) => ({ proc_name: 'policy_compression', hypertable_name: name })),
      { proc_name: 'policy_job_stat_history_retention', hypertable_name: null },
      { proc_name: 'policy_refresh_continuous_aggregate', hypertable_name: 'metric_changes_daily' },
    ]);

    // The columnstore policies moved every chunk of history to the columnstore (no alert was raised here).
    expect(
      await sql.query(
        `SELECT hypertable_name AS name, bool_and(is_compressed) AS columnstore FROM timescaledb_information.chunks
         WHERE hypertable_name = ANY($1::text[]) GROUP BY 1 ORDER BY 1`,
        [HISTORY_TABLES],
      ),
    ).toEqual([
      { name: 'school_metric_history', columnstore: true },
      { name: 'scorecard_line_history', columnstore: true },
    ]);

    // The refresh materialized every day of the history: the roll-up answers from its materialized
    // part, which holds the same rows as an aggregate over the raw history.
    const [{ schema, table }] = await sql.query<{ schema: string; table: string }>(
      `SELECT materialization_hypertable_schema AS schema, materialization_hypertable_name AS table
       FROM timescaledb_information.continuous_aggregates WHERE view_name = 'metric_changes_daily'`,
    );
    const rollUp = (from: string) =>
      sql.query(`SELECT day, school_year, metric, changes::int, suppressed_changes::int FROM ${from} ORDER BY day, school_year, metric`);
    const fromHistory = await rollUp(
      `(SELECT time_bucket(INTERVAL '1 day', known_at) AS day, school_year, metric, count(*) AS changes, count(*) FILTER (WHERE suppressed) AS suppressed_changes
        FROM school_metric_history GROUP BY 1, 2, 3) AS h`,
    );
    expect(fromHistory.length).toBeGreaterThan(0);
    expect(await rollUp(`${quoteIdentifier(schema)}.${quoteIdentifier(table)}`)).toEqual(fromHistory);
    expect(await rollUp('metric_changes_daily')).toEqual(fromHistory);
  });
});
