import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { clusterAggregate, ClusterFormed, decideCluster, zoneAggregate } from '@turnaround/domain';
import { AppendResult } from '@turnaround/event-store';
import { AggregateStore, RequestContext } from '@turnaround/platform';

export class FormClusterCommand extends Command<AppendResult> {
  constructor(
    readonly data: ClusterFormed['data'],
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(FormClusterCommand)
export class FormClusterHandler implements ICommandHandler<FormClusterCommand> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ data, context }: FormClusterCommand) {
    const zone = await this.aggregates.loadState(zoneAggregate, data.zoneId);
    return this.aggregates.handle(clusterAggregate, data.clusterId, (cluster) => decideCluster({ type: 'FormCluster', data, zone }, cluster), context);
  }
}
