import { AppendMetadata } from '@turnaround/domain';
import { EventToAppend } from '../event-store.port';

/** The store stamps the knowledge time. */
const metadata: AppendMetadata = {
  source: { channel: 'system' },
  correlationId: 'test',
  actor: 'event-store-suites',
};

/** An event of the event store's own suites: its `n` tells it apart, its type is `Counted` unless named. */
export function testEvent(n: number, type = 'Counted'): EventToAppend {
  return { type, schemaVersion: 1, data: { n }, metadata };
}
