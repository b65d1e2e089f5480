import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { parseWith, schoolAssignedToCluster, schoolLeftCluster, schoolRegistered } from '@turnaround/domain';
import { Access, ApiAnswer, ApiBodyFrom, bodyWithPathId, Caller, Principal, ReadSide, RequestContext, RequestCtx, schoolAnswer, schoolWithMembershipsAnswer, StateOnly } from '@turnaround/platform';
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

  @StateOnly()
  @Post()
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolRegistered.schema, 'Register a school by its state school code')
  async register(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolRegistered.schema, body);
    const written = await this.commands.execute(new RegisterSchoolCommand(data, context));
    return this.readSide.after(written, () => this.registry.school(data.schoolId));
  }

  @StateOnly()
  @Post(':schoolId/cluster-assignments')
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolAssignedToCluster.schema, 'The school joins a cluster from a school year on')
  async assign(@Param('schoolId') schoolId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolAssignedToCluster.schema, bodyWithPathId(body, 'schoolId', schoolId));
    const written = await this.commands.execute(new AssignSchoolToClusterCommand(data, context));
    return this.readSide.after(written, () => this.registry.school(schoolId));
  }

  @StateOnly()
  @Post(':schoolId/cluster-departures')
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolLeftCluster.schema, 'The school is no longer in the cluster from a school year on')
  async leave(@Param('schoolId') schoolId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolLeftCluster.schema, bodyWithPathId(body, 'schoolId', schoolId));
    const written = await this.commands.execute(new LeaveClusterCommand(data, context));
    return this.readSide.after(written, () => this.registry.school(schoolId));
  }

  @Access({ roles: ['state', 'researcher', 'district'], scope: 'own' })
  @Get()
  @ApiAnswer(schoolAnswer, { list: true })
  @ApiQuery({ name: 'districtId', required: false })
  @ApiQuery({ name: 'clusterId', required: false })
  list(@Caller() caller: Principal, @Query('districtId') districtId?: string, @Query('clusterId') clusterId?: string) {
    // A district sees its own schools only, whatever it asks for.
    return this.registry.schools({ districtId: caller.role.kind === 'district' ? caller.role.districtId : districtId, clusterId });
  }

  @Access({ roles: ['state', 'researcher', 'district', 'partner'], scope: 'school' })
  @Get(':schoolId')
  @ApiAnswer(schoolWithMembershipsAnswer)
  get(@Param('schoolId') schoolId: string) {
    return this.registry.school(schoolId);
  }
}
