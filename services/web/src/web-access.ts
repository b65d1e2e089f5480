import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, Owner, ownerOf } from '@turnaround/domain';
import { ACCESS_MATRIX, Grant, Principal, SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { OwnedKind, owns } from '@turnaround/read-model';

/**
 * The API's access rules, applied to pages: every read a page makes names the API route it
 * mirrors (`GET /api/v1/alerts`), and gets that route's grant for the reader's role from
 * ACCESS_MATRIX, so a page shows exactly what the same call to the API would answer. There is
 * no table of the web's own.
 */
@Injectable()
export class WebAccess {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  grant(principal: Principal, route: string): Grant {
    const access = ACCESS_MATRIX[route];
    if (!access || 'open' in access) throw new Error(`${route} is no API route with grants; a page must mirror one`);
    return access.grants[principal.role.kind];
  }

  /** Whether the reader's role may make that read at all: a page leaves out what it may not. */
  may(principal: Principal, route: string): boolean {
    return this.grant(principal, route) !== 'no';
  }

  /** The district or partner a list answers for, when the route narrows it for this role. */
  narrowing(principal: Principal, route: string): Owner | undefined {
    return this.grant(principal, route) === 'narrowed' ? ownerOf(principal.role) : undefined;
  }

  /** Whether the reader may read the thing of that id by the route: its role's grant, and for `own` whether it owns it. */
  async mayRead(principal: Principal, route: string, kind: OwnedKind, id: string): Promise<boolean> {
    const grant = this.grant(principal, route);
    const owner = ownerOf(principal.role);
    if (grant === 'no') return false;
    return grant !== 'own' || !owner || owns(this.sql, kind, id, owner);
  }

  /** As `mayRead`, but a page about a thing the reader may not see is a 404, as in the API: nothing says it exists. */
  async mustRead(principal: Principal, route: string, kind: OwnedKind, id: string): Promise<void> {
    if (!(await this.mayRead(principal, route, kind, id))) throw new NotFoundError(kind, id);
  }
}
