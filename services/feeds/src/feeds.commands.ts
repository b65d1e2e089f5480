import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { FeedKind } from '@turnaround/domain';
import { BatchSummary, DryRunSummary, FeedContext, FeedIngestor, Retraction } from '@turnaround/feeds';
import { IngestFeedCommand, RequestContext } from '@turnaround/platform';

export class RetractRecordCommand extends Command<Retraction> {
  constructor(
    readonly kind: FeedKind,
    readonly naturalKey: string,
    readonly reason: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** A push from the API or the web app's upload page (`IngestFeedCommand` is declared in `@turnaround/platform`, which the web app imports). */
@CommandHandler(IngestFeedCommand)
export class IngestFeedHandler implements ICommandHandler<IngestFeedCommand> {
  constructor(private readonly ingestor: FeedIngestor) {}

  execute({ kind, payload, profile, context, dryRun }: IngestFeedCommand): Promise<BatchSummary | DryRunSummary> {
    const feed = feedContext(context);
    if (dryRun) return 'csv' in payload ? this.ingestor.dryRunCsv(kind, payload.csv, feed, { profile }) : this.ingestor.dryRunJson(kind, payload.json, feed);
    return 'csv' in payload ? this.ingestor.ingestCsv(kind, payload.csv, feed, { profile }) : this.ingestor.ingestJson(kind, payload.json, feed);
  }
}

@CommandHandler(RetractRecordCommand)
export class RetractRecordHandler implements ICommandHandler<RetractRecordCommand> {
  constructor(private readonly ingestor: FeedIngestor) {}

  execute({ kind, naturalKey, reason, context }: RetractRecordCommand) {
    return this.ingestor.retract(kind, naturalKey, reason, feedContext(context));
  }
}

/** What a feed's events record of the request that stored them: its channel, actor and correlation id (not the client's `x-actor` note). */
function feedContext(context: RequestContext): FeedContext {
  return { channel: context.source.channel, actor: context.actor, correlationId: context.correlationId };
}
