import { Readable } from 'node:stream';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { FeedKind } from '@turnaround/domain';
import { BatchSummary, FeedContext, FeedIngestor } from '@turnaround/feeds';

/** A pushed file or array of records: CSV is streamed, JSON arrives parsed. */
export type FeedPayload = { csv: Readable } | { json: unknown };

export class IngestFeedCommand extends Command<BatchSummary> {
  constructor(
    readonly kind: FeedKind,
    readonly payload: FeedPayload,
    readonly profile: string | undefined,
    readonly context: FeedContext,
  ) {
    super();
  }
}

export class RetractRecordCommand extends Command<{ retracted: boolean }> {
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

  execute({ kind, payload, profile, context }: IngestFeedCommand): Promise<BatchSummary> {
    return 'csv' in payload
      ? this.ingestor.ingestCsv(kind, payload.csv, context, { profile })
      : this.ingestor.ingestJson(kind, payload.json, context);
  }
}

@CommandHandler(RetractRecordCommand)
export class RetractRecordHandler implements ICommandHandler<RetractRecordCommand> {
  constructor(private readonly ingestor: FeedIngestor) {}

  execute({ kind, naturalKey, reason, context }: RetractRecordCommand) {
    return this.ingestor.retract(kind, naturalKey, reason, context);
  }
}
