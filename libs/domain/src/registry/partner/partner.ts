import { PartnerEvent, PartnerRegistered } from '../../events/registry-events';
import { Aggregate } from '../aggregate';

export type Partner = { exists: false } | ({ exists: true } & PartnerRegistered['data']);

export const partnerAggregate: Aggregate<Partner, PartnerEvent> = {
  streamId: (partnerId) => `partner-${partnerId}`,
  initialState: () => ({ exists: false }),
  evolve: (_state, event) => {
    switch (event.type) {
      case 'PartnerRegistered':
        return { exists: true, ...event.data };
    }
  },
};
