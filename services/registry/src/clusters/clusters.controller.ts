import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { clusterFormed, Owner, parseWith } from '@turnaround/domain';
import { ApiAnswer, ApiBodyFrom, clusterAnswer, clusterWithMembersAnswer, NarrowedTo, ReadModelRunner, RequestContext, RequestCtx } from '@turnaround/platform';
import { RegistryQueries } from '@turnaround/read-model';
import { FormClusterCommand } from './clusters.commands';

@ApiTags('registry')
@Controller('api/v1/clusters')
export class ClustersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly registry: RegistryQueries,
    private readonly readModels: ReadModelRunner,
  ) {}

  @Post()
  @ApiAnswer(clusterWithMembersAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(clusterFormed.schema, 'Form a cluster of schools in a zone')
  @ApiOperation({
    summary: 'Form a cluster',
    description:
      'Records a new cluster in a zone; schools then join it from a school year on (POST /api/v1/schools/{schoolId}/cluster-assignments). Answers the cluster with its members (none yet); an unknown zone is a 404, a cluster id that exists already a 409.',
  })
  async form(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(clusterFormed.schema, body);
    const written = await this.commands.execute(new FormClusterCommand(data, context));
    return this.readModels.after(written, () => this.registry.cluster(data.clusterId));
  }

  @Get()
  @ApiAnswer(clusterAnswer, { list: true })
  @ApiOperation({
    summary: 'List the clusters',
    description:
      'Every cluster, or those of one zone: its id, zone and name. A district or partner key sees the clusters that hold its own schools or contracts.',
  })
  @ApiQuery({ name: 'zoneId', required: false, description: 'only the clusters of this zone', example: 'Z-DEMO' })
  list(@NarrowedTo() owner?: Owner, @Query('zoneId') zoneId?: string) {
    return this.registry.clusters({ zoneId, owner });
  }

  @Get(':clusterId')
  @ApiAnswer(clusterWithMembersAnswer)
  @ApiOperation({
    summary: 'Read a cluster with its members',
    description:
      'One cluster, with its member schools by school year: each membership from the year the school joined until the year it left (null while it is still a member).',
  })
  get(@Param('clusterId') clusterId: string) {
    return this.registry.cluster(clusterId);
  }
}
