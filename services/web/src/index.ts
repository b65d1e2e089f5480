export * from './web.module';
export * from './serve-web';
export { progressFileOf, reviewFileOf, type ProgressFile, type ReviewFile } from './report-files';
export { WebReads } from './web-reads';
