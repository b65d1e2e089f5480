import { ValidationError } from '../errors';

/**
 * Who may do what (DESIGN.md section 2): the state office sees everything; a district its own
 * schools and the clusters that hold one of them; a Lead Partner its own contracts, their
 * schools and alerts, read only; a data team pushes feeds; a researcher reads everything; the
 * public reads aggregates with small numbers suppressed.
 */
export type Role =
  | { kind: 'state' }
  | { kind: 'district'; districtId: string }
  | { kind: 'partner'; partnerId: string }
  | { kind: 'data-team' }
  | { kind: 'researcher' }
  | { kind: 'public' };
export type RoleKind = Role['kind'];

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** `state`, `district:{districtId}`, `partner:{partnerId}`, `data-team`, `researcher` or `public`. */
export function parseRole(text: string): Role {
  if (text === 'state' || text === 'data-team' || text === 'researcher' || text === 'public') return { kind: text };
  const scoped = /^(district|partner):(.+)$/.exec(text);
  if (scoped && ID.test(scoped[2])) return scoped[1] === 'district' ? { kind: 'district', districtId: scoped[2] } : { kind: 'partner', partnerId: scoped[2] };
  throw ValidationError.of('role', `expected state, district:{districtId}, partner:{partnerId}, data-team, researcher or public, got '${text}'`);
}

export function roleName(role: Role): string {
  return role.kind === 'district' ? `district:${role.districtId}` : role.kind === 'partner' ? `partner:${role.partnerId}` : role.kind;
}

/**
 * Small numbers (DESIGN.md section 5): the public sees a value whose denominator is below nMin
 * as suppressed; everyone else who may read it (the state office, researchers, a district or
 * partner reading its own schools) sees it raw, flagged.
 */
export function seesSmallNumbers(role: Role): boolean {
  return role.kind !== 'public';
}
