import { AlreadyExistsError, NotFoundError } from '../../errors';
import { ClusterFormed } from '../../events/registry-events';
import { given } from '../../testing/given-when-then';
import { Zone } from '../zone/zone';
import { clusterAggregate } from './cluster';
import { decideCluster } from './cluster.decide';

const zone: Zone = { exists: true, zoneId: 'Z1', stateCode: 'MA', name: 'Zone one', districtIds: ['D1'] };
const formed: ClusterFormed = { type: 'ClusterFormed', data: { clusterId: 'C1', zoneId: 'Z1', name: 'Central feeder pattern' } };

describe('cluster', () => {
  it('is formed in an established zone', () => {
    given(clusterAggregate, decideCluster, []).when({ type: 'FormCluster', data: formed.data, zone }).then([formed]);
  });

  it('needs its zone to exist', () => {
    given(clusterAggregate, decideCluster, [])
      .when({ type: 'FormCluster', data: formed.data, zone: { exists: false } })
      .thenThrows(NotFoundError, /zone 'Z1' does not exist/);
  });

  it('cannot be formed twice', () => {
    given(clusterAggregate, decideCluster, [formed]).when({ type: 'FormCluster', data: formed.data, zone }).thenThrows(AlreadyExistsError);
  });
});
