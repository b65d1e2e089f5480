import { ANY, NO_STREAM } from '@eventstore/db-client';
import { checkpointOfPosition, positionOfCheckpoint, toEsdbRevision } from './eventstoredb-event-store.adapter';

describe('EventStoreDB adapter: positions and revisions', () => {
  it('writes $all positions as checkpoints whose string order is log order, and reads them back', () => {
    const positions = [
      { commit: 9n, prepare: 9n },
      { commit: 10n, prepare: 3n },
      { commit: 10n, prepare: 10n },
      { commit: 123456789012n, prepare: 123456789012n },
    ];
    const checkpoints = positions.map(checkpointOfPosition);
    expect([...checkpoints].sort()).toEqual(checkpoints);
    expect(checkpoints.map(positionOfCheckpoint)).toEqual(positions);
  });

  it('refuses a checkpoint of another store, naming it', () => {
    expect(() => positionOfCheckpoint('42' as never)).toThrow("not a checkpoint of this event store: '42'");
  });

  it('maps expected revisions to the client constants', () => {
    expect(toEsdbRevision('any')).toBe(ANY);
    expect(toEsdbRevision('no_stream')).toBe(NO_STREAM);
    expect(toEsdbRevision(7)).toBe(7n);
  });
});
