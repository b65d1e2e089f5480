import { AlreadyExistsError, IllegalStateError, NotFoundError, ValidationError } from '../../errors';
import { SchoolAssignedToCluster, SchoolEvent, SchoolLeftCluster, SchoolMovedDistrict, SchoolRegistered, SchoolRenamed } from '../../events/registry-events';
import { startCalendarYear } from '../../school-year';
import { exhaustive } from '../aggregate';
import { Cluster } from '../cluster/cluster';
import { Zone } from '../zone/zone';
import { School } from './school';

export type RegisterSchool = { type: 'RegisterSchool'; data: SchoolRegistered['data'] };
/** `cluster` and `zone` are the current states of the target cluster and of its zone. */
export type AssignSchoolToCluster = { type: 'AssignSchoolToCluster'; data: SchoolAssignedToCluster['data']; cluster: Cluster; zone: Zone };
export type LeaveCluster = { type: 'LeaveCluster'; data: SchoolLeftCluster['data'] };
export type RenameSchool = { type: 'RenameSchool'; data: SchoolRenamed['data'] };
/**
 * `zones`: the zone of each cluster the school is or was a member of, by cluster id, as they
 * stand now. A membership whose cluster is not in it was recorded after the caller read the
 * school: the move is refused, to be sent again.
 */
export type MoveSchoolDistrict = { type: 'MoveSchoolDistrict'; data: SchoolMovedDistrict['data']; zones: ReadonlyMap<string, Zone> };
export type SchoolCommand = RegisterSchool | RenameSchool | MoveSchoolDistrict | AssignSchoolToCluster | LeaveCluster;

export function decideSchool(command: SchoolCommand, state: School): SchoolEvent[] {
  switch (command.type) {
    case 'RegisterSchool':
      if (state.exists) throw new AlreadyExistsError('school', command.data.schoolId);
      return [{ type: 'SchoolRegistered', data: command.data }];

    case 'RenameSchool':
      if (!state.exists) throw new NotFoundError('school', command.data.schoolId);
      // A change that changes nothing is a 409, as a second registration is.
      if (state.name === command.data.name) throw new IllegalStateError(`school '${state.schoolId}' is already named '${state.name}': nothing to change`);
      return [{ type: 'SchoolRenamed', data: command.data }];

    case 'MoveSchoolDistrict': {
      const { schoolId, districtId } = command.data;
      if (!state.exists) throw new NotFoundError('school', schoolId);
      if (state.districtId === districtId) throw new IllegalStateError(`school '${schoolId}' already belongs to district '${districtId}': nothing to change`);
      // Every membership keeps its rule: the zone of each cluster the school is or was in lists its district.
      const refusing = [...new Set(state.memberships.map((membership) => membership.clusterId))].flatMap((clusterId) => {
        const zone = command.zones.get(clusterId);
        if (!zone) throw new IllegalStateError(`school '${schoolId}' joined cluster '${clusterId}' while the move was checked: send the move again`);
        return zone.exists && !zone.districtIds.includes(districtId) ? [{ clusterId, zone }] : [];
      });
      if (refusing.length > 0)
        throw new IllegalStateError(
          `school '${schoolId}' cannot move to district '${districtId}': ` +
            refusing
              .map(
                ({ clusterId, zone }) =>
                  `it is or was a member of cluster '${clusterId}', whose zone '${zone.zoneId}' has districts ${zone.districtIds.join(', ')}`,
              )
              .join('; ') +
            `; add district '${districtId}' to the zone first`,
        );
      return [{ type: 'SchoolMovedDistrict', data: command.data }];
    }

    case 'AssignSchoolToCluster': {
      const { schoolId, clusterId, fromYear } = command.data;
      if (!state.exists) throw new NotFoundError('school', schoolId);
      if (!command.cluster.exists) throw new NotFoundError('cluster', clusterId);
      if (command.zone.exists && !command.zone.districtIds.includes(state.districtId))
        throw new IllegalStateError(
          `school '${schoolId}' belongs to district '${state.districtId}', which is not one of zone '${command.zone.zoneId}' districts (${command.zone.districtIds.join(', ')})`,
        );
      const from = startCalendarYear(fromYear);
      // A membership that has not ended by `fromYear` would overlap the new one.
      const overlapping = state.memberships.find((membership) => membership.untilYear === undefined || startCalendarYear(membership.untilYear) > from);
      if (overlapping)
        throw new IllegalStateError(
          overlapping.clusterId === clusterId
            ? `school '${schoolId}' is already a member of cluster '${clusterId}' from ${overlapping.fromYear}`
            : `school '${schoolId}' is a member of cluster '${overlapping.clusterId}' from ${overlapping.fromYear}` +
              `${overlapping.untilYear ? ` until ${overlapping.untilYear}` : ''}; a school is never in two clusters in the same school year`,
        );
      return [{ type: 'SchoolAssignedToCluster', data: command.data }];
    }

    case 'LeaveCluster': {
      const { schoolId, clusterId, fromYear } = command.data;
      if (!state.exists) throw new NotFoundError('school', schoolId);
      const open = state.memberships.find((membership) => membership.clusterId === clusterId && membership.untilYear === undefined);
      if (!open) throw new IllegalStateError(`school '${schoolId}' is not a member of cluster '${clusterId}'`);
      if (startCalendarYear(fromYear) <= startCalendarYear(open.fromYear))
        throw ValidationError.of('fromYear', `expected a school year after ${open.fromYear}, when school '${schoolId}' joined cluster '${clusterId}'`);
      return [{ type: 'SchoolLeftCluster', data: command.data }];
    }

    default:
      return exhaustive(command);
  }
}
