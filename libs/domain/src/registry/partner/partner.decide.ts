import { AlreadyExistsError } from '../../errors';
import { PartnerEvent, PartnerRegistered } from '../../events/registry-events';
import { exhaustive } from '../aggregate';
import { Partner } from './partner';

export type RegisterPartner = { type: 'RegisterPartner'; data: PartnerRegistered['data'] };
export type PartnerCommand = RegisterPartner;

export function decidePartner(command: PartnerCommand, state: Partner): PartnerEvent[] {
  switch (command.type) {
    case 'RegisterPartner':
      if (state.exists) throw new AlreadyExistsError('partner', command.data.partnerId);
      return [{ type: 'PartnerRegistered', data: command.data }];
    default:
      return exhaustive(command.type);
  }
}
