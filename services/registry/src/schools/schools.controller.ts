import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Owner, parseWith, schoolAssignedToCluster, schoolLeftCluster, schoolMovedDistrict, schoolRegistered, schoolRenamed } from '@turnaround/domain';
import {
  ApiAnswer,
  ApiBodyFrom,
  bodyWithPathId,
  NarrowedTo,
  ReadModelRunner,
  RequestContext,
  RequestCtx,
  schoolAnswer,
  schoolWithMembershipsAnswer,
} from '@turnaround/platform';
import { RegistryQueries } from '@turnaround/read-model';
import { AssignSchoolToClusterCommand, ChangeSchoolCommand, LeaveClusterCommand, RegisterSchoolCommand } from './schools.commands';

@ApiTags('registry')
@Controller('api/v1/schools')
export class SchoolsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly registry: RegistryQueries,
    private readonly readModels: ReadModelRunner,
  ) {}

  @Post()
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolRegistered.schema, 'Register a school by its state school code')
  @ApiOperation({
    summary: 'Register a school',
    description:
      'Records a school by its state school code, with its district, name, grade span and, optionally, its 12-digit NCES id. A school id that exists already is a 409.',
  })
  async register(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolRegistered.schema, body);
    const written = await this.commands.execute(new RegisterSchoolCommand(data, context));
    return this.readModels.after(written, () => this.registry.school(data.schoolId));
  }

  @Post(':schoolId/cluster-assignments')
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolAssignedToCluster.schema, 'The cluster, the school year it joins from, and the strategy', { pathId: 'schoolId' })
  @ApiOperation({
    summary: 'Assign a school to a cluster',
    description:
      'The school joins the cluster from a school year on, with its turnaround strategy. A school is never in two clusters in the same school year (409), and may join only a cluster of a zone that contains its district. The path names the school: the body need not.',
  })
  async assign(@Param('schoolId') schoolId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolAssignedToCluster.schema, bodyWithPathId(body, 'schoolId', schoolId));
    const written = await this.commands.execute(new AssignSchoolToClusterCommand(data, context));
    return this.readModels.after(written, () => this.registry.school(schoolId));
  }

  @Post(':schoolId/cluster-departures')
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolLeftCluster.schema, 'The cluster, and the first school year the school is no longer in it', { pathId: 'schoolId' })
  @ApiOperation({
    summary: 'Record that a school leaves its cluster',
    description:
      "The school is no longer a member of the cluster from that school year on; its membership before then stays, and counts in the cluster's roll-ups for those years. The path names the school: the body need not.",
  })
  async leave(@Param('schoolId') schoolId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolLeftCluster.schema, bodyWithPathId(body, 'schoolId', schoolId));
    const written = await this.commands.execute(new LeaveClusterCommand(data, context));
    return this.readModels.after(written, () => this.registry.school(schoolId));
  }

  @Post(':schoolId/name-changes')
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolRenamed.schema, 'The name the school has from now on', { pathId: 'schoolId' })
  @ApiOperation({
    summary: 'Rename a school',
    description:
      "Records the school's new name (`SchoolRenamed`); every read shows the name it has now. A school the service does not know is a 404; the name it has already is a 409. The path names the school: the body need not. Answers the school as it is now.",
  })
  async rename(@Param('schoolId') schoolId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolRenamed.schema, bodyWithPathId(body, 'schoolId', schoolId));
    return this.change(schoolId, { type: 'RenameSchool', data }, context);
  }

  @Post(':schoolId/district-moves')
  @ApiAnswer(schoolWithMembershipsAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(schoolMovedDistrict.schema, 'The district the school belongs to from now on', { pathId: 'schoolId' })
  @ApiOperation({
    summary: 'Move a school to another district',
    description:
      "Records that the school belongs to another district from now on (`SchoolMovedDistrict`): the new district owns it (its past years too) and the old one no longer does. Alerts already raised keep the districts they named; later ones name the new district. The zone of every cluster the school is or was a member of must list the new district (409 naming the cluster and zone otherwise: change the zone's districts first). Its own district is a 409; an unknown school a 404. The path names the school: the body need not.",
  })
  async move(@Param('schoolId') schoolId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(schoolMovedDistrict.schema, bodyWithPathId(body, 'schoolId', schoolId));
    return this.change(schoolId, { type: 'MoveSchoolDistrict', data }, context);
  }

  @Get()
  @ApiAnswer(schoolAnswer, { list: true })
  @ApiOperation({
    summary: 'List the schools',
    description: 'Every registered school, or those of one district or cluster. A district or partner key sees its own schools only.',
  })
  @ApiQuery({ name: 'districtId', required: false, description: 'only the schools of this district', example: 'D-0281' })
  @ApiQuery({ name: 'clusterId', required: false, description: 'only the schools that are or were members of this cluster', example: 'C-NORTH' })
  list(@NarrowedTo() owner?: Owner, @Query('districtId') districtId?: string, @Query('clusterId') clusterId?: string) {
    return this.registry.schools({ districtId, clusterId, owner });
  }

  @Get(':schoolId')
  @ApiAnswer(schoolWithMembershipsAnswer)
  @ApiOperation({
    summary: 'Read a school with its cluster memberships',
    description:
      'One registered school, with each cluster it is or was a member of, from which school year until which (null while it is still a member), and its strategy.',
  })
  get(@Param('schoolId') schoolId: string) {
    return this.registry.school(schoolId);
  }

  private async change(schoolId: string, change: ChangeSchoolCommand['change'], context: RequestContext) {
    const written = await this.commands.execute(new ChangeSchoolCommand(change, context));
    return this.readModels.after(written, () => this.registry.school(schoolId));
  }
}
