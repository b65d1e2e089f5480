import { AlreadyExistsError, IllegalStateError, NotFoundError, ValidationError } from '../../errors';
import { parseWith } from '../../events/event-catalogue';
import { ZoneEstablished, zoneDistrictsChanged, ZoneEvent, zoneRenamed } from '../../events/registry-events';
import { fold } from '../aggregate';
import { given } from '../../testing/given-when-then';
import { zoneAggregate } from './zone';
import { decideZone, ZoneMember } from './zone.decide';

const established: ZoneEstablished = {
  type: 'ZoneEstablished',
  data: { zoneId: 'SPRINGFIELD-EMPOWER', stateCode: 'MA', name: 'Springfield Empowerment Zone', districtIds: ['0281'] },
};
const twoDistricts: ZoneEstablished = { type: 'ZoneEstablished', data: { zoneId: 'Z1', stateCode: 'MA', name: 'Zone one', districtIds: ['D1', 'D2'] } };
const rename = (name: string) => ({ type: 'RenameZone' as const, data: { zoneId: 'Z1', name } });
const changeDistricts = (districtIds: string[], members: ZoneMember[] = []) => ({
  type: 'ChangeZoneDistricts' as const,
  data: { zoneId: 'Z1', districtIds },
  members,
});

describe('zone', () => {
  it('is established once', () => {
    given(zoneAggregate, decideZone, []).when({ type: 'EstablishZone', data: established.data }).then([established]);
  });

  it('cannot be established twice', () => {
    given(zoneAggregate, decideZone, [established])
      .when({ type: 'EstablishZone', data: established.data })
      .thenThrows(AlreadyExistsError, /zone 'SPRINGFIELD-EMPOWER' already exists/);
  });

  describe('renamed', () => {
    it('takes the new name; the rest stays', () => {
      given(zoneAggregate, decideZone, [twoDistricts])
        .when(rename('Zone one (north)'))
        .then([{ type: 'ZoneRenamed', data: { zoneId: 'Z1', name: 'Zone one (north)' } }]);
      expect(fold(zoneAggregate, [twoDistricts, { type: 'ZoneRenamed', data: { zoneId: 'Z1', name: 'Zone one (north)' } }])).toEqual({
        ...twoDistricts.data,
        exists: true,
        name: 'Zone one (north)',
      });
    });

    it('is a 404 for a zone never established', () => {
      given(zoneAggregate, decideZone, [])
        .when(rename('Zone one'))
        .thenThrows(NotFoundError, /zone 'Z1' does not exist/);
    });

    it('to the name it has is a 409, also when the request only adds spaces around it (names are trimmed)', () => {
      given(zoneAggregate, decideZone, [twoDistricts])
        .when(rename('Zone one'))
        .thenThrows(IllegalStateError, /already named 'Zone one': nothing to change/);
      const padded = parseWith(zoneRenamed.schema, { zoneId: 'Z1', name: '  Zone one  ' });
      given(zoneAggregate, decideZone, [twoDistricts])
        .when({ type: 'RenameZone', data: padded })
        .thenThrows(IllegalStateError, /nothing to change/);
    });

    it('back to an earlier name is a change: the name now is what counts', () => {
      const renamed: ZoneEvent = { type: 'ZoneRenamed', data: { zoneId: 'Z1', name: 'Zone north' } };
      given(zoneAggregate, decideZone, [twoDistricts, renamed])
        .when(rename('Zone one'))
        .then([{ type: 'ZoneRenamed', data: { zoneId: 'Z1', name: 'Zone one' } }]);
    });

    it('refuses an empty name, naming the field', () => {
      expect(() => parseWith(zoneRenamed.schema, { zoneId: 'Z1', name: '   ' })).toThrow(ValidationError);
      expect(() => parseWith(zoneRenamed.schema, { zoneId: 'Z1', name: '   ' })).toThrow(/^name: expected a non-empty name$/);
    });
  });

  describe('districts changed', () => {
    const members: ZoneMember[] = [
      { schoolId: 'S1', districtId: 'D1', clusterId: 'C1' },
      { schoolId: 'S2', districtId: 'D1', clusterId: 'C2' },
    ];

    it('adds a district, and the zone has the new list', () => {
      given(zoneAggregate, decideZone, [twoDistricts])
        .when(changeDistricts(['D1', 'D2', 'D3'], members))
        .then([{ type: 'ZoneDistrictsChanged', data: { zoneId: 'Z1', districtIds: ['D1', 'D2', 'D3'] } }]);
      const state = fold(zoneAggregate, [twoDistricts, { type: 'ZoneDistrictsChanged', data: { zoneId: 'Z1', districtIds: ['D3', 'D1'] } }]);
      expect(state.exists && state.districtIds).toEqual(['D3', 'D1']);
    });

    it('drops a district none of whose schools was ever in a cluster of the zone', () => {
      given(zoneAggregate, decideZone, [twoDistricts])
        .when(changeDistricts(['D1'], members))
        .then([{ type: 'ZoneDistrictsChanged', data: { zoneId: 'Z1', districtIds: ['D1'] } }]);
    });

    it('keeps a district whose school is or was a member, naming the district, school and cluster (409)', () => {
      given(zoneAggregate, decideZone, [twoDistricts])
        .when(changeDistricts(['D2', 'D3'], [...members, { schoolId: 'S3', districtId: 'D2', clusterId: 'C1' }]))
        .thenThrows(
          IllegalStateError,
          /^zone 'Z1' must keep district 'D1': school 'S1' of district 'D1' is or was a member of cluster 'C1'; school 'S2' of district 'D1' is or was a member of cluster 'C2'$/,
        );
    });

    it('names each district it must keep once, sorted', () => {
      const spread: ZoneMember[] = [
        { schoolId: 'S9', districtId: 'D2', clusterId: 'C1' },
        { schoolId: 'S1', districtId: 'D1', clusterId: 'C1' },
        { schoolId: 'S2', districtId: 'D2', clusterId: 'C2' },
      ];
      given(zoneAggregate, decideZone, [twoDistricts])
        .when(changeDistricts(['D3'], spread))
        .thenThrows(IllegalStateError, /must keep districts 'D1', 'D2': /);
    });

    it('the same districts in another order change nothing: 409', () => {
      given(zoneAggregate, decideZone, [twoDistricts])
        .when(changeDistricts(['D2', 'D1']))
        .thenThrows(IllegalStateError, /already has districts D1, D2: nothing to change/);
    });

    it('is a 404 for a zone never established', () => {
      given(zoneAggregate, decideZone, [])
        .when(changeDistricts(['D1']))
        .thenThrows(NotFoundError, /zone 'Z1'/);
    });

    it('takes a list of one district or more, each once (400 naming districtIds)', () => {
      expect(() => parseWith(zoneDistrictsChanged.schema, { zoneId: 'Z1', districtIds: [] })).toThrow(/^districtIds: expected at least one district$/);
      expect(() => parseWith(zoneDistrictsChanged.schema, { zoneId: 'Z1', districtIds: ['D1', 'D1'] })).toThrow(/^districtIds: expected each district once$/);
    });
  });
});
