import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { actorOf, DISTRICT_WEBHOOKS, DistrictWebhooks, Principal, RequestContext } from '@turnaround/platform';

/**
 * What the pages change things through: what the API's own routes call, never a second path.
 * A page sends its API route's command on the command bus (`bus`), so the same handler loads,
 * decides and appends; the feed and alert services declare those commands in
 * `@turnaround/platform`, since the web may not import another service. A district's webhooks
 * go through the alert service's port, found in the running application by its token.
 */
@Injectable()
export class WebCommands implements OnModuleInit {
  webhooks!: DistrictWebhooks;

  constructor(
    private readonly modules: ModuleRef,
    readonly bus: CommandBus,
  ) {}

  onModuleInit(): void {
    this.webhooks = this.modules.get<DistrictWebhooks>(DISTRICT_WEBHOOKS, { strict: false });
  }

  /** The metadata of what a page's form appends: the signed-in key, as an API call with that key records it. */
  context(principal: Principal): RequestContext {
    return { actor: actorOf(principal), correlationId: randomUUID(), source: { channel: 'http' } };
  }
}
