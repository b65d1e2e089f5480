import { randomUUID } from 'node:crypto';
import { eventStoreContract } from '../testing/event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store.adapter';

jest.setTimeout(120_000);

// KurrentDB cannot run on this project's machines or CI; set EVENTSTORE_URL (e.g.
// esdb://127.0.0.1:2113?tls=false) to run the contract against a real server. Each test gets
// its own stream prefix, so runs on one server do not see each other.
const serverUrl = process.env.EVENTSTORE_URL;
(serverUrl ? describe : describe.skip)('EventStoreDbEventStore on a real KurrentDB server (EVENTSTORE_URL)', () => {
  eventStoreContract(async () => EventStoreDbEventStore.connect(serverUrl as string, { streamPrefix: `contract-${randomUUID()}-` }));
});
