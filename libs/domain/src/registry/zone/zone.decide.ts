import { AlreadyExistsError, IllegalStateError, NotFoundError } from '../../errors';
import { ZoneDistrictsChanged, ZoneEstablished, ZoneEvent, ZoneRenamed } from '../../events/registry-events';
import { exhaustive } from '../aggregate';
import { Zone } from './zone';

/** A school that is or was a member of one of the zone's clusters, with its district now. */
export interface ZoneMember {
  schoolId: string;
  districtId: string;
  clusterId: string;
}

export type EstablishZone = { type: 'EstablishZone'; data: ZoneEstablished['data'] };
export type RenameZone = { type: 'RenameZone'; data: ZoneRenamed['data'] };
/** `members`: every school that is or was a member of one of the zone's clusters (any school year). */
export type ChangeZoneDistricts = { type: 'ChangeZoneDistricts'; data: ZoneDistrictsChanged['data']; members: readonly ZoneMember[] };
export type ZoneCommand = EstablishZone | RenameZone | ChangeZoneDistricts;

export function decideZone(command: ZoneCommand, state: Zone): ZoneEvent[] {
  switch (command.type) {
    case 'EstablishZone':
      if (state.exists) throw new AlreadyExistsError('zone', command.data.zoneId);
      return [{ type: 'ZoneEstablished', data: command.data }];

    case 'RenameZone':
      if (!state.exists) throw new NotFoundError('zone', command.data.zoneId);
      // As a second registration is a 409, so is a change that changes nothing: the caller learns it was not recorded twice.
      if (state.name === command.data.name) throw new IllegalStateError(`zone '${state.zoneId}' is already named '${state.name}': nothing to change`);
      return [{ type: 'ZoneRenamed', data: command.data }];

    case 'ChangeZoneDistricts': {
      const { zoneId, districtIds } = command.data;
      if (!state.exists) throw new NotFoundError('zone', zoneId);
      if (sameSet(state.districtIds, districtIds))
        throw new IllegalStateError(`zone '${zoneId}' already has districts ${state.districtIds.join(', ')}: nothing to change`);
      // A district stays while a school of it is or was in one of the zone's clusters: every
      // membership of the registry keeps the rule it was recorded under (a school joins only a
      // cluster of a zone that lists its district), whichever school year it covers.
      const kept = new Set(districtIds);
      const stranded = command.members.filter((member) => !kept.has(member.districtId));
      if (stranded.length > 0) {
        const districts = [...new Set(stranded.map((member) => member.districtId))].sort();
        throw new IllegalStateError(
          `zone '${zoneId}' must keep district${districts.length > 1 ? 's' : ''} ${districts.map((id) => `'${id}'`).join(', ')}: ` +
            stranded
              .map((member) => `school '${member.schoolId}' of district '${member.districtId}' is or was a member of cluster '${member.clusterId}'`)
              .join('; '),
        );
      }
      return [{ type: 'ZoneDistrictsChanged', data: command.data }];
    }

    default:
      return exhaustive(command);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}
