import {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  AppendResult as ClientAppendResult,
  BACKWARDS,
  END,
  EventData,
  EventStoreDBClient,
  Filter,
  FORWARDS,
  ReadPosition,
  ResolvedEvent,
  START,
} from '@eventstore/db-client';

/**
 * The calls the event store makes on KurrentDB, typed as @eventstore/db-client 6.2.1 answers
 * them. The adapter's unit tests put a fake client behind it that behaves as the client's source
 * shows; `connectKurrentDb` gives the real one.
 */
export interface KurrentDbClient {
  /** Throws WrongExpectedVersionError on a failed check and MaxAppendSizeExceededError over the server's MaxAppendSize. */
  appendToStream(streamName: string, events: EventData[], options: { expectedRevision: AppendExpectedRevision }): Promise<ClientAppendResult>;
  /** Rejects with StreamNotFoundError while iterating when the stream does not exist. */
  readStream(streamName: string, options: { direction: typeof FORWARDS; fromRevision: typeof START }): AsyncIterable<ResolvedEvent>;
  /** Starts at `fromPosition` inclusive: the event at that position, when there is one, comes first. No server-side filter. */
  readAll(options: { direction: typeof FORWARDS | typeof BACKWARDS; fromPosition: ReadPosition; maxCount: number }): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options: { fromPosition: typeof END; filter: Filter }): LiveSubscription;
  /** Ends every call in flight and closes the connection. */
  close(): Promise<void>;
}

/** A live subscription as the store uses it: only as a signal that something was appended. */
export interface LiveSubscription {
  /** 'confirmation': the server has started it; 'end': the server ended it. */
  on(event: 'data' | 'confirmation' | 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  unsubscribe(): Promise<void>;
}

/** The real client for a connection string such as `esdb://kurrentdb:2113?tls=false`. */
export function connectKurrentDb(connectionString: string): KurrentDbClient {
  const client = EventStoreDBClient.connectionString(connectionString);
  // Only a client that made a call has a channel to close: asking for one creates it, and with
  // gossip discovery (`esdb+discover://`) creating one means asking the cluster where to connect.
  let used = false;
  const use = () => {
    used = true;
    return client;
  };
  return {
    appendToStream: (streamName, events, options) => use().appendToStream(streamName, events, options),
    readStream: (streamName, options) => use().readStream(streamName, options),
    readAll: (options) => use().readAll(options),
    subscribeToAll: (options) => use().subscribeToAll(options),
    async close() {
      await client.dispose();
      // dispose() cancels the calls in flight but leaves the gRPC channel, and with it the
      // connection and its keep-alive pings, open; 6.2.1 offers no public way to close it.
      if (used) (await (client as unknown as { getChannel(): Promise<{ close(): void }> }).getChannel()).close();
    },
  };
}
