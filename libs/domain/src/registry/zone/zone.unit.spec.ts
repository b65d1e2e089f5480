import { AlreadyExistsError } from '../../errors';
import { ZoneEstablished } from '../../events/registry-events';
import { given } from '../../testing/given-when-then';
import { zoneAggregate } from './zone';
import { decideZone } from './zone.decide';

const established: ZoneEstablished = {
  type: 'ZoneEstablished',
  data: { zoneId: 'SPRINGFIELD-EMPOWER', stateCode: 'MA', name: 'Springfield Empowerment Zone', districtIds: ['0281'] },
};

describe('zone', () => {
  it('is established once', () => {
    given(zoneAggregate, decideZone, []).when({ type: 'EstablishZone', data: established.data }).then([established]);
  });

  it('cannot be established twice', () => {
    given(zoneAggregate, decideZone, [established])
      .when({ type: 'EstablishZone', data: established.data })
      .thenThrows(AlreadyExistsError, /zone 'SPRINGFIELD-EMPOWER' already exists/);
  });
});
