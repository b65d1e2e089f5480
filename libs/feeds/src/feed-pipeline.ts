import { EventStore } from '@turnaround/event-store';
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

export async function createFeedPipeline(store: EventStore, sql: SqlClient, options: { profilesDir?: string; clock?: () => Date } = {}): Promise<FeedPipeline> {
  const batches = await FeedBatches.create(sql);
  const profiles = await ProfileCatalogue.load([SHIPPED_PROFILES_DIR, ...(options.profilesDir ? [options.profilesDir] : [])]);
  return { ingestor: new FeedIngestor(store, batches, profiles, options.clock), batches, profiles };
}
