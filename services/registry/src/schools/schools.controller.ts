import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { Owner, parseWith, schoolAssignedToCluster, schoolLeftCluster, schoolRegistered } from '@turnaround/domain';
import { ApiAnswer, ApiBodyFrom, bodyWithPathId, NarrowedTo, ReadSide, RequestContext, RequestCtx, schoolAnswer, schoolWithMembershipsAnswer } from '@turnaround/platform';
import { RegistryQueries } from '@turnaround/read-model';
import { AssignSchoolToClusterCommand, LeaveClusterCommand, RegisterSchoolCommand } from './schools.commands';

@ApiTags('registry')
@Controller('api/v1/schools')
export class SchoolsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly registry: RegistryQueries,
    private readonly readSide: ReadSide,
  ) {}

  @Post()
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolRegistered.schema, 'Register a school by its state school code')
  async register(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolRegistered.schema, body);
    const written = await this.commands.execute(new RegisterSchoolCommand(data, context));
    return this.readSide.after(written, () => this.registry.school(data.schoolId));
  }

  @Post(':schoolId/cluster-assignments')
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolAssignedToCluster.schema, 'The school joins a cluster from a school year on')
  async assign(@Param('schoolId') schoolId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolAssignedToCluster.schema, bodyWithPathId(body, 'schoolId', schoolId));
    const written = await this.commands.execute(new AssignSchoolToClusterCommand(data, context));
    return this.readSide.after(written, () => this.registry.school(schoolId));
  }

  @Post(':schoolId/cluster-departures')
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolLeftCluster.schema, 'The school is no longer in the cluster from a school year on')
  async leave(@Param('schoolId') schoolId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolLeftCluster.schema, bodyWithPathId(body, 'schoolId', schoolId));
    const written = await this.commands.execute(new LeaveClusterCommand(data, context));
    return this.readSide.after(written, () => this.registry.school(schoolId));
  }

  @Get()
  @ApiAnswer(schoolAnswer, { list: true })
  @ApiQuery({ name: 'districtId', required: false })
  @ApiQuery({ name: 'clusterId', required: false })
  list(@NarrowedTo() owner?: Owner, @Query('districtId') districtId?: string, @Query('clusterId') clusterId?: string) {
    return this.registry.schools({ districtId, clusterId, owner });
  }

  @Get(':schoolId')
  @ApiAnswer(schoolWithMembershipsAnswer)
  get(@Param('schoolId') schoolId: string) {
    return this.registry.school(schoolId);
  }
}
