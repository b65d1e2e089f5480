import { ZoneEstablished, ZoneEvent } from '../../events/registry-events';
import { Aggregate } from '../aggregate';

export type Zone = { exists: false } | ({ exists: true } & ZoneEstablished['data']);

export const zoneAggregate: Aggregate<Zone, ZoneEvent> = {
  streamId: (zoneId) => `zone-${zoneId}`,
  initialState: () => ({ exists: false }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'ZoneEstablished':
        return { exists: true, ...event.data };
      case 'ZoneRenamed':
        return state.exists ? { ...state, name: event.data.name } : state;
      case 'ZoneDistrictsChanged':
        return state.exists ? { ...state, districtIds: event.data.districtIds } : state;
    }
  },
};
