import { Readable } from 'node:stream';
import { Command } from '@nestjs/cqrs';
import { FeedKind } from '@turnaround/domain';
import { AppendResult } from '@turnaround/event-store';
import { BatchSummary, DryRunSummary } from '@turnaround/feeds';
import { Principal } from './access/api-keys';
import { RequestContext } from './request-context';

// The commands the web app sends as the API's routes do. The command bus finds a handler by the
// command's class, and services never import one another, so a command the web app sends to the
// feed or alert service is declared here, as the ports are; its handler is the owning service's
// (`services/*/src/*.commands.ts`). A command only its own service sends is declared beside its handler.

/** A pushed file or array of records: CSV is streamed, JSON arrives parsed. */
export type FeedPayload = { csv: Readable } | { json: unknown };

/**
 * Push a feed (`services/feeds/src/feeds.commands.ts`). `dryRun`: check and count every record as
 * the push would, storing nothing (docs/feeds.md); the answer is then a `DryRunSummary`.
 */
export class IngestFeedCommand<DryRun extends boolean = boolean> extends Command<DryRun extends true ? DryRunSummary : BatchSummary> {
  constructor(
    readonly kind: FeedKind,
    readonly payload: FeedPayload,
    readonly profile: string | undefined,
    readonly context: RequestContext,
    readonly dryRun: DryRun,
  ) {
    super();
  }
}

/**
 * A district acknowledges an alert with a note (`services/alerts/src/alerts.commands.ts`). `by`
 * is the key that called: the acknowledgement records its id and the name the state office
 * issued it to (docs/feeds.md), never a name the client typed.
 */
export class AcknowledgeAlertCommand extends Command<AppendResult> {
  constructor(
    readonly alertId: string,
    readonly by: Principal,
    readonly note: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}
