import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, Inject, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { NotFoundError, RoleKind } from '@turnaround/domain';
import { SqlClient } from '@turnaround/postgres';
import { SQL_CLIENT } from '../tokens';
import { ApiKeys, Principal } from './api-keys';

/**
 * How a district or partner key is confined to what it owns on a route:
 * - `school`: the `id` or `schoolId` path parameter is a school of the caller's district, or of
 *   a cluster under one of the caller's contracts;
 * - `cluster`: the `id` path parameter is a cluster with a school of the caller's district, or
 *   under one of the caller's contracts;
 * - `contract`: the `id` path parameter is a contract of the caller (partner), or with a school
 *   of the caller's district;
 * - `partner`: the `id` path parameter is the caller (partner);
 * - `alert`: the `alertId` path parameter is an alert of the caller's district or contracts;
 * - `district`: the `districtId` path parameter is the caller's district;
 * - `own`: a list, which the handler narrows to the caller.
 * A resource of someone else answers 404, so nothing leaks that it exists.
 */
export type OwnerScope = 'school' | 'cluster' | 'contract' | 'partner' | 'alert' | 'district' | 'own';

export interface AccessRule {
  roles: readonly RoleKind[];
  /** How a district or partner key is confined; without it such a key is not confined (it must be listed in `roles` to get in at all). */
  scope?: OwnerScope;
  public?: boolean;
}

const ACCESS = 'turnaround:access';
const READERS: RoleKind[] = ['state', 'researcher'];

/** The roles a route admits; a route without a rule admits nobody (the guard fails closed). */
export const Access = (rule: AccessRule) => SetMetadata(ACCESS, rule);
export const Public = () => SetMetadata(ACCESS, { roles: [], public: true } satisfies AccessRule);
/** State office and researchers: the reads of the registry, metrics and scorecards. */
export const Readers = () => Access({ roles: READERS });
/** The state office alone: the registry's changes. */
export const StateOnly = () => Access({ roles: ['state'] });

export function accessRuleOf(reflector: Reflector, context: ExecutionContext): AccessRule | undefined {
  return reflector.getAllAndOverride<AccessRule | undefined>(ACCESS, [context.getHandler(), context.getClass()]);
}

type Request = { headers: Record<string, string | string[] | undefined>; params: Record<string, string>; principal?: Principal };

/** The verified caller, for handlers that narrow what they answer. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<Request>().principal as Principal);

/** Checks every request's API key against the route's rule. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = accessRuleOf(this.reflector, context);
    if (rule?.public) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const key = bearer(request.headers.authorization) ?? single(request.headers['x-api-key']);
    if (!key) throw new UnauthorizedException('expected an API key: send Authorization: Bearer <key>');
    const principal = await this.keys.verify(key);
    if (!principal) throw new UnauthorizedException('the API key is unknown or revoked');
    request.principal = principal;
    if (!rule) throw new ForbiddenException('this endpoint has no access rule, so nobody may call it');
    if (!rule.roles.includes(principal.role.kind)) throw new ForbiddenException(`a ${principal.role.kind} key may not call this endpoint`);
    const role = principal.role;
    if ((role.kind === 'district' || role.kind === 'partner') && rule.scope && rule.scope !== 'own') {
      const { entity, id, districtIds, partnerIds } = await this.ownersOf(rule.scope, request.params);
      const owns = role.kind === 'district' ? districtIds.includes(role.districtId) : partnerIds.includes(role.partnerId);
      if (!owns) throw new NotFoundError(entity, id);
    }
    return true;
  }

  /** Who owns what the route names: the districts of its schools, and the partners whose contracts hold them. */
  private async ownersOf(scope: Exclude<OwnerScope, 'own'>, params: Record<string, string>): Promise<{ entity: string; id: string; districtIds: string[]; partnerIds: string[] }> {
    const owners = async (entity: string, id: string, sql: string) => {
      const [row] = await this.sql.query<{ district_ids: string[] | null; partner_ids: string[] | null }>(sql, [id]);
      return { entity, id, districtIds: row?.district_ids ?? [], partnerIds: row?.partner_ids ?? [] };
    };
    switch (scope) {
      case 'district':
        return { entity: 'district', id: params.districtId, districtIds: [params.districtId], partnerIds: [] };
      case 'partner':
        return { entity: 'partner', id: params.partnerId, districtIds: [], partnerIds: [params.partnerId] };
      case 'school':
        return owners(
          'school',
          params.schoolId,
          `SELECT (SELECT array_agg(district_id) FROM registry_schools WHERE school_id = $1) AS district_ids,
                  (SELECT array_agg(partner_id) FROM registry_contracts WHERE $1 = ANY(school_ids)) AS partner_ids`,
        );
      case 'cluster':
        return owners(
          'cluster',
          params.clusterId,
          `SELECT (SELECT array_agg(DISTINCT s.district_id) FROM registry_memberships m JOIN registry_schools s USING (school_id) WHERE m.cluster_id = $1) AS district_ids,
                  (SELECT array_agg(partner_id) FROM registry_contracts WHERE cluster_id = $1) AS partner_ids`,
        );
      case 'contract':
        return owners(
          'contract',
          params.contractId,
          `SELECT (SELECT array_agg(DISTINCT s.district_id) FROM registry_contracts c JOIN registry_schools s ON s.school_id = ANY(c.school_ids) WHERE c.contract_id = $1) AS district_ids,
                  (SELECT array_agg(partner_id) FROM registry_contracts WHERE contract_id = $1) AS partner_ids`,
        );
      case 'alert':
        return owners('alert', params.alertId, `SELECT district_ids, ARRAY[partner_id] AS partner_ids FROM alerts WHERE alert_id = $1`);
    }
  }
}

function bearer(header: string | string[] | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(single(header) ?? '');
  return match?.[1];
}

function single(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}
