import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, Inject, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { NotFoundError, RoleKind } from '@turnaround/domain';
import { SqlClient } from '@turnaround/postgres';
import { SQL_CLIENT } from '../tokens';
import { ApiKeys, Principal } from './api-keys';

/**
 * How a district key is confined to its own district on a route:
 * - `school`: the `id` or `schoolId` path parameter is a school of the caller's district;
 * - `alert`: the `alertId` path parameter is an alert of the caller's district;
 * - `district`: the `districtId` path parameter is the caller's district;
 * - `own`: a list, which the handler narrows to the caller's district.
 * A resource of another district answers 404, so nothing leaks that it exists.
 */
export type DistrictScope = 'school' | 'alert' | 'district' | 'own';

export interface AccessRule {
  roles: readonly RoleKind[];
  district?: DistrictScope;
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
    if (principal.role.kind === 'district' && rule.district && rule.district !== 'own') {
      const { entity, id, districtIds } = await this.districtsOf(rule.district, request.params);
      if (!districtIds.includes(principal.role.districtId)) throw new NotFoundError(entity, id);
    }
    return true;
  }

  /** The districts that own what the route names: a school's one district, or every district an alert concerns. */
  private async districtsOf(scope: Exclude<DistrictScope, 'own'>, params: Record<string, string>): Promise<{ entity: string; id: string; districtIds: string[] }> {
    switch (scope) {
      case 'district':
        return { entity: 'district', id: params.districtId, districtIds: [params.districtId] };
      case 'school': {
        const id = params.schoolId ?? params.id;
        const [row] = await this.sql.query<{ district_id: string }>('SELECT district_id FROM registry_schools WHERE school_id = $1', [id]);
        return { entity: 'school', id, districtIds: row ? [row.district_id] : [] };
      }
      case 'alert': {
        const [row] = await this.sql.query<{ district_ids: string[] }>('SELECT district_ids FROM alerts WHERE alert_id = $1', [params.alertId]);
        return { entity: 'alert', id: params.alertId, districtIds: row?.district_ids ?? [] };
      }
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
