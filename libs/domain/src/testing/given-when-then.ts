import { Aggregate, fold } from '../registry/aggregate';

/**
 * Given these facts, when this command, then these new facts (or this error):
 * `given(schoolAggregate, decideSchool, [...]).when(command).then([...])`.
 */
export function given<State, Event extends { type: string }, Command>(
  aggregate: Aggregate<State, Event>,
  decide: (command: Command, state: State) => Event[],
  events: readonly Event[],
) {
  return {
    when(command: Command) {
      const act = () => decide(command, fold(aggregate, events));
      return {
        then(expected: Event[]) {
          expect(act()).toEqual(expected);
        },
        thenThrows(errorClass: new (...args: never[]) => Error, message?: RegExp) {
          expect(act).toThrow(errorClass);
          if (message) expect(act).toThrow(message);
        },
      };
    },
  };
}
