/**
 * How an aggregate's state is folded from its events. The service loads a stream, folds it
 * with `evolve`, calls the aggregate's pure `decide`, and appends what it returns.
 */
export interface Aggregate<State, Event extends { type: string }> {
  /** Stream of one aggregate instance, e.g. `zone-{zoneId}` (DESIGN.md section 4). */
  streamId(id: string): string;
  initialState(): State;
  evolve(state: State, event: Event): State;
}

export function fold<State, Event extends { type: string }>(aggregate: Aggregate<State, Event>, events: readonly Event[]): State {
  return events.reduce(aggregate.evolve, aggregate.initialState());
}

/** Ends a `switch` over a union so the compiler reports any case left out. */
export function exhaustive(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
