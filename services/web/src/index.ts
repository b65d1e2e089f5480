export * from './web.module';
export * from './serve-web';
export { reviewFileOf, type ReviewFile } from './review-file';
export { WebReads } from './web-reads';
