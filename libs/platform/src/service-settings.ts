import { MetricCatalogues, smallNumberBases } from '@turnaround/domain';
import { migrate, SqlClient } from '@turnaround/postgres';
import { TurnaroundConfig } from './config';

/**
 * `service_settings`: the configuration the dashboards need to show what the API shows, as the
 * running service has it (docs/metrics.md: "dashboards read nMin from the service's
 * configuration, never from a copy"). Written at every start, so a changed N_MIN or cadence
 * reaches the dashboards with the restart that brings it to the API. Instances of one
 * deployment share their configuration; the last one started writes it.
 * - `n_min`: what a value must cover for a dashboard to show it;
 * - `small_number_basis`: `{metric: 'numerator' | 'none'}`, the catalogued indicators whose
 *   smallness is not judged by their denominator (`smallNumberBases`: a count of students, a
 *   count of something else), from the process's indicator catalogue;
 * - `feed_cadence`: `{feed: {months, graceDays}}`, when each feed is due (data coverage).
 */
export const SERVICE_SETTINGS_TABLE = 'service_settings';

export async function writeServiceSettings(sql: SqlClient, config: TurnaroundConfig, catalogues: MetricCatalogues): Promise<void> {
  await migrate(sql, 'service-settings', [
    { id: '001-service-settings', sql: `CREATE TABLE ${SERVICE_SETTINGS_TABLE} (name text PRIMARY KEY, value text NOT NULL, written_at timestamptz NOT NULL)` },
  ]);
  const settings = {
    n_min: String(config.nMin),
    small_number_basis: JSON.stringify(smallNumberBases(catalogues.indicators)),
    feed_cadence: JSON.stringify(config.feedCadences),
  };
  await sql.query(
    `INSERT INTO ${SERVICE_SETTINGS_TABLE} (name, value, written_at) SELECT name, value, now() FROM jsonb_each_text($1::jsonb) AS s(name, value)
     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, written_at = EXCLUDED.written_at`,
    [JSON.stringify(settings)],
  );
}
