import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decidePartner, partnerAggregate, PartnerRegistered } from '@turnaround/domain';
import { AppendResult } from '@turnaround/event-store';
import { AggregateStore, RequestContext } from '@turnaround/platform';

export class RegisterPartnerCommand extends Command<AppendResult> {
  constructor(
    readonly data: PartnerRegistered['data'],
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(RegisterPartnerCommand)
export class RegisterPartnerHandler implements ICommandHandler<RegisterPartnerCommand> {
  constructor(private readonly aggregates: AggregateStore) {}

  execute({ data, context }: RegisterPartnerCommand) {
    return this.aggregates.handle(partnerAggregate, data.partnerId, (partner) => decidePartner({ type: 'RegisterPartner', data }, partner), context);
  }
}
