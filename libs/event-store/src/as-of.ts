import { EventStore, StoredEvent } from './event-store.port';

/**
 * The log as the service knew it at `knownAt`: only events recorded until then (knowledge
 * time, docs/domain.md#valid-time-and-knowledge-time). Read-only: a replay "as of" a date builds read models from it.
 */
export function knownAsOf(store: EventStore, knownAt: Date): EventStore {
  const known = (event: StoredEvent) => new Date(event.metadata.recordedAt) <= knownAt;
  const refuse = () => {
    throw new Error(`the log as of ${knownAt.toISOString()} is read-only`);
  };
  return {
    append: refuse,
    appendMany: refuse,
    subscribe: refuse,
    readStream: async (streamId) => (await store.readStream(streamId)).filter(known),
    readStreams: async (streamIds) => new Map([...(await store.readStreams(streamIds))].map(([streamId, events]) => [streamId, events.filter(known)])),
    async readAll({ after, limit }) {
      // Skips unknown events page by page, so a caller still sees a short page only at the end of the log.
      let position = after;
      for (;;) {
        const page = await store.readAll({ after: position, limit });
        if (page.length === 0) return [];
        const kept = page.filter(known);
        if (kept.length > 0) return kept;
        position = page[page.length - 1].position;
      }
    },
    async readPage(options) {
      const page = await store.readPage(options);
      return { events: page.events.filter(known), reached: page.reached };
    },
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
