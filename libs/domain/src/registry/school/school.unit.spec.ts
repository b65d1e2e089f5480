import { IllegalStateError, NotFoundError, ValidationError } from '../../errors';
import { parseWith } from '../../events/event-catalogue';
import { SchoolAssignedToCluster, SchoolEvent, schoolMovedDistrict, SchoolRegistered } from '../../events/registry-events';
import { fold } from '../aggregate';
import { given } from '../../testing/given-when-then';
import { Cluster } from '../cluster/cluster';
import { Zone } from '../zone/zone';
import { clusterInYear, schoolAggregate } from './school';
import { decideSchool } from './school.decide';

const zone: Zone = { exists: true, zoneId: 'Z1', stateCode: 'MA', name: 'Zone one', districtIds: ['D1', 'D2'] };
const c1: Cluster = { exists: true, clusterId: 'C1', zoneId: 'Z1', name: 'One' };
const c2: Cluster = { exists: true, clusterId: 'C2', zoneId: 'Z1', name: 'Two' };
const registered: SchoolRegistered = {
  type: 'SchoolRegistered',
  data: { schoolId: 'S1', districtId: 'D1', name: 'Lincoln Middle', gradeSpan: '06-08' },
};
const joinedC1: SchoolAssignedToCluster = {
  type: 'SchoolAssignedToCluster',
  data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' },
};
const assign = (clusterId: string, fromYear: string, cluster: Cluster) => ({
  type: 'AssignSchoolToCluster' as const,
  data: { schoolId: 'S1', clusterId, fromYear, strategy: 'transformation' as const },
  cluster,
  zone,
});

describe('school', () => {
  it('joins a cluster of its district zone from a school year', () => {
    given(schoolAggregate, decideSchool, [registered])
      .when(assign('C1', '2023-24', c1))
      .then([joinedC1]);
  });

  it('must be registered before it joins a cluster', () => {
    given(schoolAggregate, decideSchool, [])
      .when(assign('C1', '2023-24', c1))
      .thenThrows(NotFoundError, /school 'S1'/);
  });

  it('cannot join a cluster of a zone its district is not part of', () => {
    given(schoolAggregate, decideSchool, [{ ...registered, data: { ...registered.data, districtId: 'D9' } }])
      .when(assign('C1', '2023-24', c1))
      .thenThrows(IllegalStateError, /district 'D9'/);
  });

  it('is never in two clusters in the same school year', () => {
    given(schoolAggregate, decideSchool, [registered, joinedC1])
      .when(assign('C2', '2024-25', c2))
      .thenThrows(IllegalStateError, /never in two clusters/);
  });

  it('moves to another cluster from the year it left the first', () => {
    const left: SchoolEvent = { type: 'SchoolLeftCluster', data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2025-26' } };
    given(schoolAggregate, decideSchool, [registered, joinedC1, left])
      .when(assign('C2', '2024-25', c2))
      .thenThrows(IllegalStateError, /until 2025-26/);
    given(schoolAggregate, decideSchool, [registered, joinedC1, left])
      .when(assign('C2', '2025-26', c2))
      .then([{ type: 'SchoolAssignedToCluster', data: { schoolId: 'S1', clusterId: 'C2', fromYear: '2025-26', strategy: 'transformation' } }]);
  });

  it('leaves a cluster only after the year it joined', () => {
    given(schoolAggregate, decideSchool, [registered, joinedC1])
      .when({ type: 'LeaveCluster', data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2023-24' } })
      .thenThrows(ValidationError, /fromYear: expected a school year after 2023-24/);
    given(schoolAggregate, decideSchool, [registered])
      .when({ type: 'LeaveCluster', data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2024-25' } })
      .thenThrows(IllegalStateError, /not a member/);
  });

  it('knows its cluster in each school year', () => {
    const state = fold(schoolAggregate, [
      registered,
      joinedC1,
      { type: 'SchoolLeftCluster', data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2025-26' } },
      { type: 'SchoolAssignedToCluster', data: { schoolId: 'S1', clusterId: 'C2', fromYear: '2026-27', strategy: 'close_reopen' } },
    ]);
    if (!state.exists) throw new Error('school should exist');
    expect(['2022-23', '2023-24', '2024-25', '2025-26', '2026-27', '2030-31'].map((year) => clusterInYear(state.memberships, year))).toEqual([
      undefined,
      'C1',
      'C1',
      undefined,
      'C2',
      'C2',
    ]);
  });

  describe('renamed', () => {
    const rename = (name: string) => ({ type: 'RenameSchool' as const, data: { schoolId: 'S1', name } });

    it('takes the new name; its district and memberships stay', () => {
      const renamed: SchoolEvent = { type: 'SchoolRenamed', data: { schoolId: 'S1', name: 'Lincoln Middle Academy' } };
      given(schoolAggregate, decideSchool, [registered, joinedC1]).when(rename('Lincoln Middle Academy')).then([renamed]);
      expect(fold(schoolAggregate, [registered, joinedC1, renamed])).toEqual({
        exists: true,
        ...registered.data,
        name: 'Lincoln Middle Academy',
        memberships: [{ clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' }],
      });
    });

    it('is a 404 for a school never registered, and a 409 to the name it has', () => {
      given(schoolAggregate, decideSchool, [])
        .when(rename('Lincoln'))
        .thenThrows(NotFoundError, /school 'S1' does not exist/);
      given(schoolAggregate, decideSchool, [registered])
        .when(rename('Lincoln Middle'))
        .thenThrows(IllegalStateError, /already named 'Lincoln Middle': nothing to change/);
    });
  });

  describe('moved to another district', () => {
    const zoneOf = (districtIds: string[], zoneId = 'Z1'): Zone => ({ exists: true, zoneId, stateCode: 'MA', name: zoneId, districtIds });
    const move = (districtId: string, zones: [string, Zone][] = []) => ({
      type: 'MoveSchoolDistrict' as const,
      data: { schoolId: 'S1', districtId },
      zones: new Map(zones),
    });
    const moved = (districtId: string): SchoolEvent => ({ type: 'SchoolMovedDistrict', data: { schoolId: 'S1', districtId } });

    it('moves a school that was never in a cluster anywhere', () => {
      given(schoolAggregate, decideSchool, [registered])
        .when(move('D9'))
        .then([moved('D9')]);
    });

    it('moves within the districts of its cluster zone; the school then belongs to the new district', () => {
      given(schoolAggregate, decideSchool, [registered, joinedC1])
        .when(move('D2', [['C1', zone]]))
        .then([moved('D2')]);
      const state = fold(schoolAggregate, [registered, joinedC1, moved('D2')]);
      expect(state.exists && state.districtId).toBe('D2');
    });

    it('is refused (409) to a district the zone of a cluster it is in does not list, naming the cluster, the zone and what to do', () => {
      given(schoolAggregate, decideSchool, [registered, joinedC1])
        .when(move('D9', [['C1', zone]]))
        .thenThrows(
          IllegalStateError,
          /^school 'S1' cannot move to district 'D9': it is or was a member of cluster 'C1', whose zone 'Z1' has districts D1, D2; add district 'D9' to the zone first$/,
        );
    });

    it('is refused for a cluster it has left too: a past membership keeps its rule', () => {
      const left: SchoolEvent = { type: 'SchoolLeftCluster', data: { schoolId: 'S1', clusterId: 'C1', fromYear: '2025-26' } };
      const joinedC3: SchoolEvent = {
        type: 'SchoolAssignedToCluster',
        data: { schoolId: 'S1', clusterId: 'C3', fromYear: '2025-26', strategy: 'close_reopen' },
      };
      // C3's zone lists D9, C1's (left in 2025-26) does not.
      given(schoolAggregate, decideSchool, [registered, joinedC1, left, joinedC3])
        .when(
          move('D9', [
            ['C1', zone],
            ['C3', zoneOf(['D1', 'D9'], 'Z3')],
          ]),
        )
        .thenThrows(IllegalStateError, /member of cluster 'C1', whose zone 'Z1'/);
      given(schoolAggregate, decideSchool, [registered, joinedC1, left, joinedC3])
        .when(
          move('D9', [
            ['C1', zoneOf(['D1', 'D2', 'D9'])],
            ['C3', zoneOf(['D1', 'D9'], 'Z3')],
          ]),
        )
        .then([moved('D9')]);
    });

    it('is refused when the school joined a cluster the caller did not read the zone of (a join in between): 409, to be sent again', () => {
      given(schoolAggregate, decideSchool, [registered, joinedC1])
        .when(move('D2'))
        .thenThrows(IllegalStateError, /joined cluster 'C1' while the move was checked/);
    });

    it('is a 409 to the district it belongs to, and a 404 for a school never registered', () => {
      given(schoolAggregate, decideSchool, [registered])
        .when(move('D1'))
        .thenThrows(IllegalStateError, /already belongs to district 'D1': nothing to change/);
      given(schoolAggregate, decideSchool, [])
        .when(move('D2'))
        .thenThrows(NotFoundError, /school 'S1'/);
    });

    it('after a move, joins only clusters of zones that list the new district', () => {
      given(schoolAggregate, decideSchool, [registered, moved('D9')])
        .when(assign('C1', '2023-24', c1))
        .thenThrows(IllegalStateError, /district 'D9'/);
      given(schoolAggregate, decideSchool, [registered, moved('D2')])
        .when(assign('C1', '2023-24', c1))
        .then([{ ...joinedC1 }]);
    });

    it('takes a district id (400 naming districtId)', () => {
      expect(() => parseWith(schoolMovedDistrict.schema, { schoolId: 'S1', districtId: '' })).toThrow(/^districtId: expected an id/);
      expect(() => parseWith(schoolMovedDistrict.schema, { schoolId: 'S1' })).toThrow(/^districtId: expected a string, got nothing/);
    });
  });
});
