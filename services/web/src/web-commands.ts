import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { FeedBatches, FeedContext, FeedIngestor, ProfileCatalogue } from '@turnaround/feeds';
import { actorOf, AggregateStore, DISTRICT_WEBHOOKS, DistrictWebhooks, Principal, ReadSide, RequestContext } from '@turnaround/platform';

/**
 * What the pages change things through: the objects the API's own routes call, never a second
 * path. The alert decision is appended through the one aggregate store and read back once the
 * alerts read model has it (`ReadSide`); feed files go through the feed service's ingestor; a
 * district's webhooks through the alert service's port. The feed and alert services' objects
 * belong to their modules, which the web may not import (services never import one another),
 * so they are found in the running application by their library's class or port token.
 */
@Injectable()
export class WebCommands implements OnModuleInit {
  ingestor!: FeedIngestor;
  batches!: FeedBatches;
  profiles!: ProfileCatalogue;
  webhooks!: DistrictWebhooks;

  constructor(
    private readonly modules: ModuleRef,
    readonly aggregates: AggregateStore,
    readonly readSide: ReadSide,
  ) {}

  onModuleInit(): void {
    this.ingestor = this.modules.get(FeedIngestor, { strict: false });
    this.batches = this.modules.get(FeedBatches, { strict: false });
    this.profiles = this.modules.get(ProfileCatalogue, { strict: false });
    this.webhooks = this.modules.get<DistrictWebhooks>(DISTRICT_WEBHOOKS, { strict: false });
  }

  /** The metadata of what a page's form appends: the signed-in key, as an API call with that key records it. */
  context(principal: Principal): RequestContext {
    return { actor: actorOf(principal), correlationId: randomUUID(), source: { channel: 'http' } };
  }

  /** The same, in the shape a feed push records with its batch. */
  feedContext(principal: Principal): FeedContext {
    const { source, actor, correlationId } = this.context(principal);
    return { channel: source.channel, actor, correlationId };
  }
}
