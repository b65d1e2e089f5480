import { Controller, Get, OnModuleInit, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { ComponentChildren } from 'preact';
import { DomainError, NotFoundError, ownerOf } from '@turnaround/domain';
import { DISTRICT_EMAIL, DistrictEmail, Principal } from '@turnaround/platform';
import { formField, Viewer, WebRequest, WebResponse } from './http';
import { EmailLinkPage, EmailOutcome, EmailSettingsPage } from './pages/email-settings';
import { CurrentViewer, WebSessionGuard } from './sessions/web-session.guard';
import { Layout } from './views/layout';
import { renderPage } from './views/page';
import { html } from './views/render';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

/** The API routes the email pages mirror: each action takes the grant of its route (ACCESS_MATRIX). */
export const EMAIL_ROUTES = {
  list: 'GET /api/v1/districts/:districtId/email-recipients',
  add: 'POST /api/v1/districts/:districtId/email-recipients',
  change: 'PUT /api/v1/districts/:districtId/email-recipients/:recipientId',
  remove: 'DELETE /api/v1/districts/:districtId/email-recipients/:recipientId',
  messages: 'GET /api/v1/districts/:districtId/email-messages',
} as const;

const NOTICES: Record<string, string> = {
  added: 'The address is added, and a confirmation is on its way to it: nothing else is sent to it until its link is followed.',
  changed: 'The delivery is changed.',
  removed: 'The address is removed: nothing more is sent to it.',
};
const PREVIEW_MESSAGES = 10;

/** The alert service's email port, found in the running application (services never import one another). */
abstract class EmailPort implements OnModuleInit {
  protected email!: DistrictEmail;
  constructor(private readonly modules: ModuleRef) {}
  onModuleInit(): void {
    this.email = this.modules.get<DistrictEmail>(DISTRICT_EMAIL, { strict: false });
  }
}

/**
 * The district inbox's email settings: each action takes the grant of the API route it mirrors
 * (the state office any district, a district its own) and goes through the alert service's
 * port, as the API's routes do.
 */
@ApiExcludeController()
@Controller('inbox/email')
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorsFilter)
export class EmailSettingsController extends EmailPort {
  constructor(
    private readonly reads: WebReads,
    modules: ModuleRef,
  ) {
    super(modules);
  }

  @Get()
  async list(@CurrentViewer() viewer: Viewer, @Query('districtId') districtId?: string, @Query('notice') notice?: string): Promise<string> {
    const text = notice === undefined ? undefined : NOTICES[notice];
    return this.page(viewer, this.districtOf(viewer.principal, EMAIL_ROUTES.list, districtId), text ? { kind: 'notice', text } : undefined);
  }

  @Post()
  async add(@CurrentViewer() viewer: Viewer, @Req() request: WebRequest, @Res() response: WebResponse): Promise<void> {
    const districtId = this.required(viewer.principal, EMAIL_ROUTES.add, request);
    try {
      await this.email.add(districtId, { address: formField(request, 'address') ?? '', ...deliveryOf(request) });
    } catch (error) {
      return this.refused(response, viewer, districtId, error, 'The address was not added');
    }
    response.redirect(303, this.listUrl(viewer.principal, districtId, 'added'));
  }

  @Post(':recipientId/delivery')
  async change(
    @CurrentViewer() viewer: Viewer,
    @Param('recipientId') recipientId: string,
    @Req() request: WebRequest,
    @Res() response: WebResponse,
  ): Promise<void> {
    const districtId = this.required(viewer.principal, EMAIL_ROUTES.change, request);
    try {
      await this.email.change(districtId, recipientId, deliveryOf(request));
    } catch (error) {
      return this.refused(response, viewer, districtId, error, 'The delivery was not changed');
    }
    response.redirect(303, this.listUrl(viewer.principal, districtId, 'changed'));
  }

  @Post(':recipientId/delete')
  async remove(
    @CurrentViewer() viewer: Viewer,
    @Param('recipientId') recipientId: string,
    @Req() request: WebRequest,
    @Res() response: WebResponse,
  ): Promise<void> {
    const districtId = this.required(viewer.principal, EMAIL_ROUTES.remove, request);
    await this.email.remove(districtId, recipientId);
    response.redirect(303, this.listUrl(viewer.principal, districtId, 'removed'));
  }

  private async page(viewer: Viewer, districtId: string | undefined, outcome?: EmailOutcome): Promise<string> {
    const [recipients, dead, preview] = districtId
      ? await Promise.all([
          this.email.list(districtId),
          this.email.messages(districtId, 'dead'),
          this.email.sending ? [] : this.email.preview(districtId, PREVIEW_MESSAGES),
        ])
      : [[], [], []];
    const view = { districtId, picksDistrict: ownerOf(viewer.principal.role) === undefined, sending: this.email.sending, recipients, dead, preview };
    return renderPage(this.reads.access, viewer, '/inbox/email', 'Alert emails', <EmailSettingsPage view={view} csrf={viewer.csrfToken} outcome={outcome} />);
  }

  /** A refused form (an address that is no address, one already on the list, a digest without its hour): the page again, saying why. */
  private async refused(response: WebResponse, viewer: Viewer, districtId: string, error: unknown, what: string): Promise<void> {
    if (!(error instanceof DomainError) || !['validation', 'illegal_state', 'conflict'].includes(error.kind)) throw error;
    const text =
      error instanceof DomainError && 'issues' in error
        ? (error as unknown as { issues: { field: string; message: string }[] }).issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')
        : error.message;
    response
      .status(error.kind === 'validation' ? 400 : 409)
      .type('html')
      .send(await this.page(viewer, districtId, { kind: 'problem', text: `${what}: ${text}` }));
  }

  /** The district a request is about, under the route's grant: a district's own (another district's is a 404, as in the API), or the one the state office names. */
  private districtOf(principal: Principal, route: string, requested: string | undefined): string | undefined {
    const grant = this.reads.access.grant(principal, route);
    const owner = ownerOf(principal.role);
    if (grant === 'no') throw new NotFoundError('page', '/inbox/email');
    if (grant === 'yes') return requested || undefined;
    if (owner?.kind !== 'district' || (requested && requested !== owner.districtId)) throw new NotFoundError('district', requested ?? '');
    return owner.districtId;
  }

  private required(principal: Principal, route: string, request: WebRequest): string {
    const districtId = this.districtOf(principal, route, formField(request, 'districtId'));
    if (!districtId) throw new NotFoundError('district', '');
    return districtId;
  }

  private listUrl(principal: Principal, districtId: string, notice?: string): string {
    const query = new URLSearchParams({ ...(ownerOf(principal.role) ? {} : { districtId }), ...(notice ? { notice } : {}) });
    return `/inbox/email${String(query) && `?${query}`}`;
  }
}

/** The form's choice of delivery, as the API's body has it. */
function deliveryOf(request: WebRequest): { delivery: string; digestHour?: number } {
  const delivery = formField(request, 'delivery') ?? 'immediate';
  const hour = formField(request, 'digestHour');
  return { delivery, ...(delivery === 'digest' && hour !== undefined && /^\d{1,2}$/.test(hour) ? { digestHour: Number(hour) } : {}) };
}

/**
 * The links of an alert email, without signing in: the signed token is what admits them. A GET
 * shows a button (a mail scanner that follows links changes nothing); a POST acts, once however
 * often it is sent. `POST /email/unsubscribe?token=` is also the RFC 8058 one-click target that
 * mail clients post `List-Unsubscribe=One-Click` to.
 */
@ApiExcludeController()
@Controller('email')
@UseFilters(WebErrorsFilter)
export class EmailLinksController extends EmailPort {
  constructor(modules: ModuleRef) {
    super(modules);
  }

  @Get('confirm')
  askConfirm(@Query('token') token?: string): string {
    return ask('confirm', token);
  }

  @Get('unsubscribe')
  askUnsubscribe(@Query('token') token?: string): string {
    return ask('unsubscribe', token);
  }

  @Post('confirm')
  async confirm(@Req() request: WebRequest, @Res() response: WebResponse): Promise<void> {
    await this.act('confirm', request, response);
  }

  @Post('unsubscribe')
  async unsubscribe(@Req() request: WebRequest, @Res() response: WebResponse): Promise<void> {
    await this.act('unsubscribe', request, response);
  }

  private async act(purpose: 'confirm' | 'unsubscribe', request: WebRequest, response: WebResponse): Promise<void> {
    const token = typeof request.query.token === 'string' ? request.query.token : formField(request, 'token');
    const recipient = purpose === 'confirm' ? await this.email.confirm(token) : await this.email.unsubscribe(token);
    const done = recipient !== undefined && (purpose === 'unsubscribe' || recipient.status === 'confirmed');
    // A token that is no token of ours (cut short, or made up) changes nothing, and the page says the link does not work.
    response
      .status(200)
      .type('html')
      .send(page(purpose, <EmailLinkPage purpose={purpose} token={token ?? ''} done={done} known={recipient !== undefined} />));
  }
}

function ask(purpose: 'confirm' | 'unsubscribe', token: string | undefined): string {
  return page(purpose, <EmailLinkPage purpose={purpose} token={token ?? ''} done={false} known={typeof token === 'string' && token.includes('.')} />);
}

function page(purpose: 'confirm' | 'unsubscribe', content: ComponentChildren): string {
  return html(
    <Layout title={purpose === 'confirm' ? 'Confirm an address' : 'Unsubscribe'} nav={[{ href: '/sign-in', label: 'Sign in', current: false }]}>
      {content}
    </Layout>,
  );
}
