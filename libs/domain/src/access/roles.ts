import { ValidationError } from '../errors';

/**
 * Who may do what: the state office sees everything; a district only its own schools, their
 * metrics and alerts; a data team pushes feeds; a researcher reads.
 */
export type Role = { kind: 'state' } | { kind: 'district'; districtId: string } | { kind: 'data-team' } | { kind: 'researcher' };
export type RoleKind = Role['kind'];

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** `state`, `district:{districtId}`, `data-team` or `researcher`. */
export function parseRole(text: string): Role {
  if (text === 'state' || text === 'data-team' || text === 'researcher') return { kind: text };
  const district = /^district:(.+)$/.exec(text);
  if (district && ID.test(district[1])) return { kind: 'district', districtId: district[1] };
  throw ValidationError.of('role', `expected state, district:{districtId}, data-team or researcher, got '${text}'`);
}

export function roleName(role: Role): string {
  return role.kind === 'district' ? `district:${role.districtId}` : role.kind;
}
