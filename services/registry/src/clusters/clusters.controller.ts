import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { clusterFormed, Owner, parseWith } from '@turnaround/domain';
import { ApiAnswer, ApiBodyFrom, clusterAnswer, clusterWithMembersAnswer, NarrowedTo, ReadSide, RequestContext, RequestCtx } from '@turnaround/platform';
import { RegistryQueries } from '@turnaround/read-model';
import { FormClusterCommand } from './clusters.commands';

@ApiTags('registry')
@Controller('api/v1/clusters')
export class ClustersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly registry: RegistryQueries,
    private readonly readSide: ReadSide,
  ) {}

  @Post()
  @ApiAnswer(clusterWithMembersAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(clusterFormed.schema, 'Form a cluster of schools in a zone')
  async form(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(clusterFormed.schema, body);
    const written = await this.commands.execute(new FormClusterCommand(data, context));
    return this.readSide.after(written, () => this.registry.cluster(data.clusterId));
  }

  @Get()
  @ApiAnswer(clusterAnswer, { list: true })
  @ApiQuery({ name: 'zoneId', required: false })
  list(@NarrowedTo() owner?: Owner, @Query('zoneId') zoneId?: string) {
    return this.registry.clusters({ zoneId, owner });
  }

  @Get(':clusterId')
  @ApiAnswer(clusterWithMembersAnswer)
  get(@Param('clusterId') clusterId: string) {
    return this.registry.cluster(clusterId);
  }
}
