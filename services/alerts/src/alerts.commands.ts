import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { alertAggregate, decideAcknowledgement } from '@turnaround/domain';
import { AcknowledgeAlertCommand, AggregateStore } from '@turnaround/platform';

/**
 * An acknowledgement from the API or the web app's alert page (`AcknowledgeAlertCommand` is
 * declared in `@turnaround/platform`, which the web app imports): decided on the alert's own
 * stream, so an unknown alert is a 404 and a resolved one a 409.
 */
@CommandHandler(AcknowledgeAlertCommand)
export class AcknowledgeAlertHandler implements ICommandHandler<AcknowledgeAlertCommand> {
  constructor(private readonly aggregates: AggregateStore) {}

  execute({ alertId, by, note, context }: AcknowledgeAlertCommand) {
    return this.aggregates.handle(alertAggregate, alertId, (alert) => decideAcknowledgement(alert, alertId, by, note), context);
  }
}
