export * from './feed-batches';
export * from './feed-ingestor';
export type { BatchSummary, DryRunSummary } from './batch-tally';
export type { FeedContext } from './event-metadata';
export * from './profile-catalogue';
export * from './indicator-catalogue';
export * from './subject-catalogue';
export * from './feed-pipeline';
export * from './feed-records';
