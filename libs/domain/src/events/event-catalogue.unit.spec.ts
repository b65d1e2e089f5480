import { ValidationError } from '../errors';
import { CONTRACT_EVENTS, decodeEvent } from './event-catalogue';

describe('reading stored events back', () => {
  const renamed = (name: unknown) => ({ type: 'ZoneRenamed', schemaVersion: 1, data: { zoneId: 'Z1', name } });

  it('checks each against its schema, unless told to trust what was checked when it was appended', () => {
    expect(() => decodeEvent(renamed(42))).toThrow(ValidationError);
    // Trusted: taken as stored, with no second check.
    const stored = renamed('Zone one');
    expect(decodeEvent(stored, { trusted: true })).toEqual({ type: 'ZoneRenamed', data: stored.data });
    expect(decodeEvent(renamed(42), { trusted: true }).data).toEqual({ zoneId: 'Z1', name: 42 });
  });

  it('checks an event upcast from an older version even when trusted: the upcaster made its shape', () => {
    const v1 = {
      contractId: 'K1',
      reason: 'renegotiated',
      targets: [{ metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' }],
    };
    expect(CONTRACT_EVENTS.decode({ type: 'ContractTargetsAmended', schemaVersion: 1, data: v1 }, { trusted: true }).data).toMatchObject({
      remove: [],
      replacesAll: true,
    });
    expect(() => CONTRACT_EVENTS.decode({ type: 'ContractTargetsAmended', schemaVersion: 1, data: { ...v1, reason: '' } }, { trusted: true })).toThrow(
      ValidationError,
    );
  });
});
