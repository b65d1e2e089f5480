import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideZone, ZoneDistrictsChanged, ZoneEstablished, zoneAggregate, ZoneRenamed } from '@turnaround/domain';
import { AppendResult } from '@turnaround/event-store';
import { AggregateStore, RequestContext } from '@turnaround/platform';
import { RegistryQueries } from '@turnaround/read-model';

export class EstablishZoneCommand extends Command<AppendResult> {
  constructor(
    readonly data: ZoneEstablished['data'],
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Rename a zone, or change its districts. */
export class ChangeZoneCommand extends Command<AppendResult> {
  constructor(
    readonly change: { type: 'RenameZone'; data: ZoneRenamed['data'] } | { type: 'ChangeZoneDistricts'; data: ZoneDistrictsChanged['data'] },
    readonly context: RequestContext,
  ) {
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

/**
 * The schools of the zone's clusters come from the registry read model, which every earlier
 * command's answer waited for (`ReadModelRunner.after`), as a contract's other contracts do.
 */
@CommandHandler(ChangeZoneCommand)
export class ChangeZoneHandler implements ICommandHandler<ChangeZoneCommand> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly registry: RegistryQueries,
  ) {}

  async execute({ change, context }: ChangeZoneCommand) {
    const command = change.type === 'ChangeZoneDistricts' ? { ...change, members: await this.registry.zoneMembers(change.data.zoneId) } : change;
    return this.aggregates.handle(zoneAggregate, change.data.zoneId, (zone) => decideZone(command, zone), context);
  }
}
