import { ClusterEvent, ClusterFormed } from '../../events/registry-events';
import { Aggregate } from '../aggregate';

export type Cluster = { exists: false } | ({ exists: true } & ClusterFormed['data']);

export const clusterAggregate: Aggregate<Cluster, ClusterEvent> = {
  streamId: (clusterId) => `cluster-${clusterId}`,
  initialState: () => ({ exists: false }),
  evolve: (_state, event) => {
    switch (event.type) {
      case 'ClusterFormed':
        return { exists: true, ...event.data };
    }
  },
};
