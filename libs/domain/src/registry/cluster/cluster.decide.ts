import { AlreadyExistsError, NotFoundError } from '../../errors';
import { ClusterEvent, ClusterFormed } from '../../events/registry-events';
import { exhaustive } from '../aggregate';
import { Zone } from '../zone/zone';
import { Cluster } from './cluster';

/** `zone` is the current state of the zone the cluster is formed in. */
export type FormCluster = { type: 'FormCluster'; data: ClusterFormed['data']; zone: Zone };
export type ClusterCommand = FormCluster;

export function decideCluster(command: ClusterCommand, state: Cluster): ClusterEvent[] {
  switch (command.type) {
    case 'FormCluster':
      if (state.exists) throw new AlreadyExistsError('cluster', command.data.clusterId);
      if (!command.zone.exists) throw new NotFoundError('zone', command.data.zoneId);
      return [{ type: 'ClusterFormed', data: command.data }];
    default:
      return exhaustive(command.type);
  }
}
