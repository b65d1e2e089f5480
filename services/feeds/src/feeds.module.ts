import { Module } from '@nestjs/common';
import { MetricCatalogues } from '@turnaround/domain';
import { EventStore } from '@turnaround/event-store';
import { createFeedPipeline, FeedBatches, FeedIngestor, FeedPipeline, ProfileCatalogue } from '@turnaround/feeds';
import { Clock, CLOCK, EVENT_STORE, METRIC_CATALOGUES, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { FeedsController } from './feeds.controller';
import { IngestFeedHandler, RetractRecordHandler } from './feeds.commands';
import { FeedTopicsConsumer } from './kafka/feed-topics.consumer';

const PIPELINE = Symbol('FeedPipeline');

/** Feeds pushed by data teams over HTTP and Kafka; the CLI uses the same FeedIngestor. */
@Module({
  controllers: [FeedsController],
  providers: [
    {
      provide: PIPELINE,
      useFactory: (store: EventStore, sql: SqlClient, clock: Clock, config: TurnaroundConfig, catalogues: MetricCatalogues) =>
        createFeedPipeline(store, sql, catalogues.indicators, { profilesDir: config.feedProfilesDir, clock, batchLease: config.projectionLease }),
      inject: [EVENT_STORE, SQL_CLIENT, CLOCK, TURNAROUND_CONFIG, METRIC_CATALOGUES],
    },
    { provide: FeedIngestor, useFactory: (pipeline: FeedPipeline) => pipeline.ingestor, inject: [PIPELINE] },
    { provide: FeedBatches, useFactory: (pipeline: FeedPipeline) => pipeline.batches, inject: [PIPELINE] },
    { provide: ProfileCatalogue, useFactory: (pipeline: FeedPipeline) => pipeline.profiles, inject: [PIPELINE] },
    IngestFeedHandler,
    RetractRecordHandler,
    FeedTopicsConsumer,
  ],
  exports: [FeedIngestor],
})
export class FeedsModule {}
