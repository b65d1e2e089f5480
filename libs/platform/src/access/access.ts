import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { NotFoundError, Owner, ownerOf } from '@turnaround/domain';
import { SqlClient } from '@turnaround/postgres';
import { owns } from '@turnaround/read-model';
import { SQL_CLIENT } from '../tokens';
import { ACCESS_MATRIX, Grant, PATH_OWNERSHIP, routeKey } from './access-matrix';
import { ApiKeys, KeyRefusal, Principal } from './api-keys';

type Request = {
  method: string;
  route?: { path: string };
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  principal?: Principal;
  narrowedTo?: Owner;
};

const REFUSALS: Record<KeyRefusal, string> = {
  unknown: 'the API key is unknown or revoked',
  expired: 'the API key has expired: ask the state office for a new one',
};

/** The verified caller, for handlers that act in its name. */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<Request>().principal as Principal,
);

/** The district or partner a `narrowed` list answers for (`ACCESS_MATRIX`); undefined when the caller sees the whole list. */
export const NarrowedTo = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Owner | undefined => context.switchToHttp().getRequest<Request>().narrowedTo,
);

/** Checks every request's API key against the route's entry of `ACCESS_MATRIX`. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeys,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const route = routeKey(request.method, request.route?.path ?? '');
    const access = ACCESS_MATRIX[route];
    if (access && 'open' in access) return true;
    const { principal, grant } = await this.admit(request, route);
    const owner = ownerOf(principal.role);
    if (grant === 'narrowed') request.narrowedTo = owner;
    if (grant === 'own' && owner) await this.mustOwn(route, request.params, owner);
    return true;
  }

  /**
   * The caller's key, verified, and what `route` grants its role; a 401 or 403 when it grants
   * nothing. Also called before a large body is read (`useJsonBodies`), so a caller who may not
   * send it never costs its parsing.
   */
  async admit(request: Pick<Request, 'headers' | 'principal'>, route: string): Promise<{ principal: Principal; grant: Exclude<Grant, 'no'> }> {
    const access = ACCESS_MATRIX[route];
    const key = bearer(request.headers.authorization) ?? single(request.headers['x-api-key']);
    if (!key) throw new UnauthorizedException('expected an API key: send Authorization: Bearer <key>');
    const principal = await this.keys.identify(key);
    if (typeof principal === 'string') throw new UnauthorizedException(REFUSALS[principal]);
    request.principal = principal;
    if (!access || 'open' in access) throw new ForbiddenException(`${route} has no entry in the access matrix, so nobody may call it`);
    const grant = access.grants[principal.role.kind];
    if (grant === 'no') throw new ForbiddenException(`a ${principal.role.kind} key may not call ${route}`);
    return { principal, grant };
  }

  /** The route's one id parameter names what the owner must own; anything else answers 404, as if it did not exist. */
  private async mustOwn(route: string, params: Record<string, string>, owner: Owner): Promise<void> {
    const owned = Object.keys(params).filter((param) => param in PATH_OWNERSHIP);
    if (owned.length !== 1)
      throw new Error(`${route} grants 'own' but names ${owned.length} owned ids in its path; the access matrix must name a route with one`);
    const id = params[owned[0]];
    const kind = PATH_OWNERSHIP[owned[0]];
    const isOwn = kind === 'district' ? owner.kind === 'district' && owner.districtId === id : await owns(this.sql, kind, id, owner);
    if (!isOwn) throw new NotFoundError(kind, id);
  }
}

/** The token of `Authorization: Bearer <token>`, when the header sent one that way. */
export function bearer(header: string | string[] | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(single(header) ?? '');
  return match?.[1];
}

function single(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}
