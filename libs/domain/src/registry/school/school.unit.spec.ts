import { IllegalStateError, NotFoundError, ValidationError } from '../../errors';
import { SchoolAssignedToCluster, SchoolEvent, SchoolRegistered } from '../../events/registry-events';
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
    given(schoolAggregate, decideSchool, [registered]).when(assign('C1', '2023-24', c1)).then([joinedC1]);
  });

  it('must be registered before it joins a cluster', () => {
    given(schoolAggregate, decideSchool, []).when(assign('C1', '2023-24', c1)).thenThrows(NotFoundError, /school 'S1'/);
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
});
