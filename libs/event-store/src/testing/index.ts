/**
 * What other projects' tests use of this library: a fake KurrentDB that behaves like client
 * 6.2.1 and its server, and the log read once it shows every event stored.
 */
export { FakeKurrentDbServer } from '../eventstoredb/fake-kurrentdb-client';
export { readLog } from './event-store.contract';
export { wholeLog } from './whole-log';
