import { ValidationError } from '../errors';

/**
 * Who may do what (docs/roles.md): the state office sees everything; a district its own
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
/** Every role, in the order the access matrix prints them. */
export const ROLE_KINDS = ['state', 'researcher', 'district', 'partner', 'data-team', 'public'] as const satisfies readonly RoleKind[];

/** A role that owns some of the registry: a district its schools, a partner its contracts. */
export type Owner = Extract<Role, { kind: 'district' | 'partner' }>;

export function ownerOf(role: Role): Owner | undefined {
  return role.kind === 'district' || role.kind === 'partner' ? role : undefined;
}

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
 * Small numbers (docs/metrics.md): the state office and researchers see every value raw,
 * flagged. A district or partner sees its own schools raw (it is their own data), and the rest
 * as the public does: small numbers withheld, and with them whatever would give one away
 * (complementary suppression, `planSuppression`).
 */
export function seesEveryNumber(role: Role): boolean {
  return role.kind === 'state' || role.kind === 'researcher';
}

/** The name a district or partner has among a school's insiders (`SuppressionMember.insiders`); undefined for other roles. */
export function insiderName(role: Role): string | undefined {
  const owner = ownerOf(role);
  return owner && roleName(owner);
}
