import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  clusterAggregate,
  decideSchool,
  SchoolAssignedToCluster,
  schoolAggregate,
  SchoolLeftCluster,
  SchoolRegistered,
  zoneAggregate,
} from '@turnaround/domain';
import { AppendResult } from '@turnaround/event-store';
import { AggregateStore, RequestContext } from '@turnaround/platform';

export class RegisterSchoolCommand extends Command<AppendResult> {
  constructor(readonly data: SchoolRegistered['data'], readonly context: RequestContext) {
    super();
  }
}

export class AssignSchoolToClusterCommand extends Command<AppendResult> {
  constructor(readonly data: SchoolAssignedToCluster['data'], readonly context: RequestContext) {
    super();
  }
}

export class LeaveClusterCommand extends Command<AppendResult> {
  constructor(readonly data: SchoolLeftCluster['data'], readonly context: RequestContext) {
    super();
  }
}

@CommandHandler(RegisterSchoolCommand)
export class RegisterSchoolHandler implements ICommandHandler<RegisterSchoolCommand> {
  constructor(private readonly aggregates: AggregateStore) {}

  execute({ data, context }: RegisterSchoolCommand) {
    return this.aggregates.handle(schoolAggregate, data.schoolId, (school) => decideSchool({ type: 'RegisterSchool', data }, school), context);
  }
}

@CommandHandler(AssignSchoolToClusterCommand)
export class AssignSchoolToClusterHandler implements ICommandHandler<AssignSchoolToClusterCommand> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ data, context }: AssignSchoolToClusterCommand) {
    const cluster = await this.aggregates.loadState(clusterAggregate, data.clusterId);
    const zone = cluster.exists ? await this.aggregates.loadState(zoneAggregate, cluster.zoneId) : zoneAggregate.initialState();
    return this.aggregates.handle(
      schoolAggregate,
      data.schoolId,
      (school) => decideSchool({ type: 'AssignSchoolToCluster', data, cluster, zone }, school),
      context,
    );
  }
}

@CommandHandler(LeaveClusterCommand)
export class LeaveClusterHandler implements ICommandHandler<LeaveClusterCommand> {
  constructor(private readonly aggregates: AggregateStore) {}

  execute({ data, context }: LeaveClusterCommand) {
    return this.aggregates.handle(schoolAggregate, data.schoolId, (school) => decideSchool({ type: 'LeaveCluster', data }, school), context);
  }
}
