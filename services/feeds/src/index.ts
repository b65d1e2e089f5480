export * from './feeds.module';
export { FEED_CONSUMER_GROUP } from './kafka/feed-topics.consumer';
