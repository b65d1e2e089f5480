import { Module } from '@nestjs/common';
import { EventStore } from '@turnaround/event-store';
import { FeedBatches, FeedIngestor, ProfileCatalogue, SHIPPED_PROFILES_DIR } from '@turnaround/feeds';
import { Clock, CLOCK, EVENT_STORE, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { FeedsController } from './feeds.controller';
import { IngestFeedHandler, RetractRecordHandler } from './feeds.commands';
import { FeedTopicsConsumer } from './kafka/feed-topics.consumer';

/** Feeds pushed by data teams over HTTP and Kafka; the CLI uses the same FeedIngestor. */
@Module({
  controllers: [FeedsController],
  providers: [
    { provide: FeedBatches, useFactory: (sql: SqlClient) => FeedBatches.create(sql), inject: [SQL_CLIENT] },
    {
      provide: ProfileCatalogue,
      useFactory: (config: TurnaroundConfig) => ProfileCatalogue.load([SHIPPED_PROFILES_DIR, ...(config.feedProfilesDir ? [config.feedProfilesDir] : [])]),
      inject: [TURNAROUND_CONFIG],
    },
    {
      provide: FeedIngestor,
      useFactory: (store: EventStore, batches: FeedBatches, profiles: ProfileCatalogue, clock: Clock) => new FeedIngestor(store, batches, profiles, clock),
      inject: [EVENT_STORE, FeedBatches, ProfileCatalogue, CLOCK],
    },
    IngestFeedHandler,
    RetractRecordHandler,
    FeedTopicsConsumer,
  ],
  exports: [FeedIngestor],
})
export class FeedsModule {}
