import { AlreadyExistsError, IllegalStateError, NotFoundError, ValidationError } from '../../errors';
import { SchoolAssignedToCluster, SchoolEvent, SchoolLeftCluster, SchoolRegistered } from '../../events/registry-events';
import { startCalendarYear } from '../../school-year';
import { exhaustive } from '../aggregate';
import { Cluster } from '../cluster/cluster';
import { Zone } from '../zone/zone';
import { School } from './school';

export type RegisterSchool = { type: 'RegisterSchool'; data: SchoolRegistered['data'] };
/** `cluster` and `zone` are the current states of the target cluster and of its zone. */
export type AssignSchoolToCluster = { type: 'AssignSchoolToCluster'; data: SchoolAssignedToCluster['data']; cluster: Cluster; zone: Zone };
export type LeaveCluster = { type: 'LeaveCluster'; data: SchoolLeftCluster['data'] };
export type SchoolCommand = RegisterSchool | AssignSchoolToCluster | LeaveCluster;

export function decideSchool(command: SchoolCommand, state: School): SchoolEvent[] {
  switch (command.type) {
    case 'RegisterSchool':
      if (state.exists) throw new AlreadyExistsError('school', command.data.schoolId);
      return [{ type: 'SchoolRegistered', data: command.data }];

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
      const overlapping = state.memberships.find(
        (membership) => membership.untilYear === undefined || startCalendarYear(membership.untilYear) > from,
      );
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
