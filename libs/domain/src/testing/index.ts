/** What every project's tests use of this library, the one all the others may import. */
export { waitUntil } from './wait-until';
export * from './catalogues';
export * from './feed-records';
