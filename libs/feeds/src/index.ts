export * from './feed-batches';
export * from './feed-ingestor';
export * from './profile-catalogue';
export * from './indicator-catalogue';
export * from './feed-pipeline';
