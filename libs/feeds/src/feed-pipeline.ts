import { IndicatorCatalogue } from '@turnaround/domain';
import { EventStore, LeasePolicy } from '@turnaround/event-store';
import { SqlClient } from '@turnaround/postgres';
import { FeedBatches } from './feed-batches';
import { FeedIngestor } from './feed-ingestor';
import { useIndicatorsOf } from './indicator-catalogue';
import { ProfileCatalogue, SHIPPED_PROFILES_DIR } from './profile-catalogue';
import { useSubjectsOf } from './subject-catalogue';

/** The feed pipeline's parts, wired one way for the service and for the CLI. */
export interface FeedPipeline {
  ingestor: FeedIngestor;
  batches: FeedBatches;
  profiles: ProfileCatalogue;
  indicators: IndicatorCatalogue;
}

/**
 * Also puts the indicator catalogue in force (indicator records are checked against it), and the
 * subject catalogue (contract targets and research requests name only catalogued subjects).
 * `batchLease`: how long a running batch outlives the last heartbeat of its process (FeedBatches).
 */
export async function createFeedPipeline(
  store: EventStore,
  sql: SqlClient,
  options: { profilesDir?: string; indicatorsDir?: string; subjectsDir?: string; clock?: () => Date; batchLease?: LeasePolicy } = {},
): Promise<FeedPipeline> {
  const batches = await FeedBatches.create(sql, options.batchLease);
  const profiles = await ProfileCatalogue.load([SHIPPED_PROFILES_DIR, ...(options.profilesDir ? [options.profilesDir] : [])]);
  const indicators = await useIndicatorsOf(options.indicatorsDir);
  await useSubjectsOf(options.subjectsDir);
  return { ingestor: new FeedIngestor(store, batches, profiles, options.clock), batches, profiles, indicators };
}
