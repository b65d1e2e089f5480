import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  clusterAggregate,
  decideSchool,
  SchoolAssignedToCluster,
  schoolAggregate,
  SchoolLeftCluster,
  SchoolMovedDistrict,
  SchoolRegistered,
  SchoolRenamed,
  Zone,
  zoneAggregate,
} from '@turnaround/domain';
import { AppendResult } from '@turnaround/event-store';
import { AggregateStore, RequestContext } from '@turnaround/platform';

export class RegisterSchoolCommand extends Command<AppendResult> {
  constructor(
    readonly data: SchoolRegistered['data'],
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class AssignSchoolToClusterCommand extends Command<AppendResult> {
  constructor(
    readonly data: SchoolAssignedToCluster['data'],
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class LeaveClusterCommand extends Command<AppendResult> {
  constructor(
    readonly data: SchoolLeftCluster['data'],
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Rename a school, or move it to another district. */
export class ChangeSchoolCommand extends Command<AppendResult> {
  constructor(
    readonly change: { type: 'RenameSchool'; data: SchoolRenamed['data'] } | { type: 'MoveSchoolDistrict'; data: SchoolMovedDistrict['data'] },
    readonly context: RequestContext,
  ) {
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

/** A move is decided on the zones of every cluster the school is or was in, each from its own stream. */
@CommandHandler(ChangeSchoolCommand)
export class ChangeSchoolHandler implements ICommandHandler<ChangeSchoolCommand> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ change, context }: ChangeSchoolCommand) {
    const { schoolId } = change.data;
    if (change.type === 'RenameSchool') return this.aggregates.handle(schoolAggregate, schoolId, (school) => decideSchool(change, school), context);
    const school = await this.aggregates.loadState(schoolAggregate, schoolId);
    const clusterIds = school.exists ? [...new Set(school.memberships.map((membership) => membership.clusterId))] : [];
    const zones = new Map<string, Zone>(
      await Promise.all(
        clusterIds.map(async (clusterId): Promise<[string, Zone]> => {
          const cluster = await this.aggregates.loadState(clusterAggregate, clusterId);
          return [clusterId, cluster.exists ? await this.aggregates.loadState(zoneAggregate, cluster.zoneId) : zoneAggregate.initialState()];
        }),
      ),
    );
    return this.aggregates.handle(schoolAggregate, schoolId, (state) => decideSchool({ ...change, zones }, state), context);
  }
}
