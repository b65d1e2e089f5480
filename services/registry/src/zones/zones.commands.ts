import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideZone, ZoneEstablished, zoneAggregate } from '@turnaround/domain';
import { AppendResult } from '@turnaround/event-store';
import { AggregateStore, RequestContext } from '@turnaround/platform';

export class EstablishZoneCommand extends Command<AppendResult> {
  constructor(readonly data: ZoneEstablished['data'], readonly context: RequestContext) {
    super();
  }
}

@CommandHandler(EstablishZoneCommand)
export class EstablishZoneHandler implements ICommandHandler<EstablishZoneCommand> {
  constructor(private readonly aggregates: AggregateStore) {}

  execute({ data, context }: EstablishZoneCommand) {
    return this.aggregates.handle(zoneAggregate, data.zoneId, (zone) => decideZone({ type: 'EstablishZone', data }, zone), context);
  }
}
