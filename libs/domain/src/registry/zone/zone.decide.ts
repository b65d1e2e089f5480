import { AlreadyExistsError } from '../../errors';
import { ZoneEstablished, ZoneEvent } from '../../events/registry-events';
import { exhaustive } from '../aggregate';
import { Zone } from './zone';

export type EstablishZone = { type: 'EstablishZone'; data: ZoneEstablished['data'] };
export type ZoneCommand = EstablishZone;

export function decideZone(command: ZoneCommand, state: Zone): ZoneEvent[] {
  switch (command.type) {
    case 'EstablishZone':
      if (state.exists) throw new AlreadyExistsError('zone', command.data.zoneId);
      return [{ type: 'ZoneEstablished', data: command.data }];
    default:
      return exhaustive(command.type);
  }
}
