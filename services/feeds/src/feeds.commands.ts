import { Readable } from 'node:stream';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { FeedKind } from '@turnaround/domain';
import { BatchSummary, DryRunSummary, FeedContext, FeedIngestor, Retraction } from '@turnaround/feeds';

/** A pushed file or array of records: CSV is streamed, JSON arrives parsed. */
export type FeedPayload = { csv: Readable } | { json: unknown };

/** `dryRun`: check and count every record as the push would, storing nothing (docs/feeds.md). */
export class IngestFeedCommand extends Command<BatchSummary | DryRunSummary> {
  constructor(
    readonly kind: FeedKind,
    readonly payload: FeedPayload,
    readonly profile: string | undefined,
    readonly context: FeedContext,
    readonly dryRun = false,
  ) {
    super();
  }
}

export class RetractRecordCommand extends Command<Retraction> {
  constructor(
    readonly kind: FeedKind,
    readonly naturalKey: string,
    readonly reason: string,
    readonly context: FeedContext,
  ) {
    super();
  }
}

@CommandHandler(IngestFeedCommand)
export class IngestFeedHandler implements ICommandHandler<IngestFeedCommand> {
  constructor(private readonly ingestor: FeedIngestor) {}

  execute({ kind, payload, profile, context, dryRun }: IngestFeedCommand): Promise<BatchSummary | DryRunSummary> {
    if (dryRun)
      return 'csv' in payload ? this.ingestor.dryRunCsv(kind, payload.csv, context, { profile }) : this.ingestor.dryRunJson(kind, payload.json, context);
    return 'csv' in payload ? this.ingestor.ingestCsv(kind, payload.csv, context, { profile }) : this.ingestor.ingestJson(kind, payload.json, context);
  }
}

@CommandHandler(RetractRecordCommand)
export class RetractRecordHandler implements ICommandHandler<RetractRecordCommand> {
  constructor(private readonly ingestor: FeedIngestor) {}

  execute({ kind, naturalKey, reason, context }: RetractRecordCommand) {
    return this.ingestor.retract(kind, naturalKey, reason, context);
  }
}
