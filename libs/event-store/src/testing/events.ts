import { EventMetadata } from '@turnaround/domain';
import { EventToAppend } from '../event-store.port';

const metadata: EventMetadata = {
  recordedAt: '2025-03-01T12:00:00.000Z',
  source: { channel: 'system' },
  correlationId: 'test',
  actor: 'event-store-suites',
};

/** An event of the event store's own suites: its `n` tells it apart, its type is `Counted` unless named. */
export function testEvent(n: number, type = 'Counted'): EventToAppend {
  return { type, schemaVersion: 1, data: { n }, metadata };
}
