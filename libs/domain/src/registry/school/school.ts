import { SchoolEvent, SchoolRegistered, STRATEGIES } from '../../events/registry-events';
import { SchoolYear, startCalendarYear } from '../../school-year';
import { Aggregate } from '../aggregate';

/** A school's membership of one cluster: from `fromYear` up to, not including, `untilYear`. */
export interface ClusterMembership {
  clusterId: string;
  fromYear: SchoolYear;
  untilYear?: SchoolYear;
  strategy: (typeof STRATEGIES)[number];
}

export type School = { exists: false } | ({ exists: true; memberships: ClusterMembership[] } & SchoolRegistered['data']);

export const schoolAggregate: Aggregate<School, SchoolEvent> = {
  streamId: (schoolId) => `school-${schoolId}`,
  initialState: () => ({ exists: false }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'SchoolRegistered':
        return { exists: true, memberships: [], ...event.data };
      case 'SchoolRenamed':
        return state.exists ? { ...state, name: event.data.name } : state;
      case 'SchoolMovedDistrict':
        return state.exists ? { ...state, districtId: event.data.districtId } : state;
      case 'SchoolAssignedToCluster': {
        if (!state.exists) return state;
        const { clusterId, fromYear, strategy } = event.data;
        return { ...state, memberships: [...state.memberships, { clusterId, fromYear, strategy }] };
      }
      case 'SchoolLeftCluster': {
        if (!state.exists) return state;
        const { clusterId, fromYear } = event.data;
        return {
          ...state,
          memberships: state.memberships.map((membership) =>
            membership.clusterId === clusterId && membership.untilYear === undefined ? { ...membership, untilYear: fromYear } : membership,
          ),
        };
      }
    }
  },
};

export function coversYear(membership: ClusterMembership, year: SchoolYear): boolean {
  const y = startCalendarYear(year);
  return startCalendarYear(membership.fromYear) <= y && (membership.untilYear === undefined || y < startCalendarYear(membership.untilYear));
}

/** The cluster a school belongs to in a school year, if any. A school is never in two at once. */
export function clusterInYear(memberships: readonly ClusterMembership[], year: SchoolYear): string | undefined {
  return memberships.find((membership) => coversYear(membership, year))?.clusterId;
}
