import { decodeEvent, EncodedEvent } from '../events/event-catalogue';
/**
 * How an aggregate's state is folded from its events. The service loads a stream, folds it
 * with `evolve`, calls the aggregate's pure `decide`, and appends what it returns.
 */
export interface Aggregate<State, Event extends { type: string }> {
  /** Stream of one aggregate instance, e.g. `zone-{zoneId}` (docs/feeds.md). */
  streamId(id: string): string;
  initialState(): State;
  evolve(state: State, event: Event): State;
}

export function fold<State, Event extends { type: string }>(aggregate: Aggregate<State, Event>, events: readonly Event[]): State {
  return events.reduce(aggregate.evolve, aggregate.initialState());
}

/**
 * An aggregate's state from its stream as the store hands it back: each event decoded (upcast
 * and checked against its schema), then folded. The stream holds only the aggregate's own
 * event types, as every append to it comes from its decider.
 */
export function foldStream<State, Event extends { type: string }>(aggregate: Aggregate<State, Event>, stream: readonly EncodedEvent[]): State {
  return stream.reduce((state, stored) => aggregate.evolve(state, decodeEvent(stored) as unknown as Event), aggregate.initialState());
}

/** Ends a `switch` over a union so the compiler reports any case left out. */
export function exhaustive(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
