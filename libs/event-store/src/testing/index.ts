/** What other projects' tests use of this library: a fake KurrentDB that behaves like client 6.2.1 and its server. */
export { FakeKurrentDbServer } from '../eventstoredb/fake-kurrentdb-client';
