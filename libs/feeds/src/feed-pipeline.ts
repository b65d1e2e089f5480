import { IndicatorCatalogue } from '@turnaround/domain';
import { EventStore, LeasePolicy } from '@turnaround/event-store';
import { SqlClient } from '@turnaround/postgres';
import { FeedBatches } from './feed-batches';
import { FeedIngestor } from './feed-ingestor';
import { ProfileCatalogue, SHIPPED_PROFILES_DIR } from './profile-catalogue';

/** The feed pipeline's parts, wired one way for the service and for the CLI. */
export interface FeedPipeline {
  ingestor: FeedIngestor;
  batches: FeedBatches;
  profiles: ProfileCatalogue;
}

/**
 * `indicators`: the process's catalogue, loaded at start-up (`loadMetricCatalogues`); indicator
 * records are checked against it. `batchLease`: how long a running batch outlives the last
 * heartbeat of its process (FeedBatches).
 */
export async function createFeedPipeline(
  store: EventStore,
  sql: SqlClient,
  indicators: IndicatorCatalogue,
  options: { profilesDir?: string; clock?: () => Date; batchLease?: LeasePolicy } = {},
): Promise<FeedPipeline> {
  const batches = await FeedBatches.create(sql, options.batchLease);
  const profiles = await ProfileCatalogue.load([SHIPPED_PROFILES_DIR, ...(options.profilesDir ? [options.profilesDir] : [])]);
  return { ingestor: new FeedIngestor(store, batches, profiles, indicators, options.clock), batches, profiles };
}
