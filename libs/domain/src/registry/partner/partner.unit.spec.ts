import { AlreadyExistsError } from '../../errors';
import { PartnerRegistered } from '../../events/registry-events';
import { given } from '../../testing/given-when-then';
import { partnerAggregate } from './partner';
import { decidePartner } from './partner.decide';

const registered: PartnerRegistered = { type: 'PartnerRegistered', data: { partnerId: 'P1', name: 'Empower Schools', role: 'lead' } };

describe('partner', () => {
  it('is registered with its role', () => {
    given(partnerAggregate, decidePartner, []).when({ type: 'RegisterPartner', data: registered.data }).then([registered]);
  });

  it('cannot be registered twice', () => {
    given(partnerAggregate, decidePartner, [registered]).when({ type: 'RegisterPartner', data: registered.data }).thenThrows(AlreadyExistsError);
  });
});
