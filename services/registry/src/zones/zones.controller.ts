import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Owner, parseWith, zoneDistrictsChanged, zoneEstablished, zoneRenamed } from '@turnaround/domain';
import { ApiAnswer, ApiBodyFrom, bodyWithPathId, NarrowedTo, ReadModelRunner, RequestContext, RequestCtx, zoneAnswer } from '@turnaround/platform';
import { RegistryQueries } from '@turnaround/read-model';
import { ChangeZoneCommand, EstablishZoneCommand } from './zones.commands';

@ApiTags('registry')
@Controller('api/v1/zones')
export class ZonesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly registry: RegistryQueries,
    private readonly readModels: ReadModelRunner,
  ) {}

  @Post()
  @ApiAnswer(zoneAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(zoneEstablished.schema, 'Establish a Partnership Zone')
  @ApiOperation({
    summary: 'Establish a Partnership Zone',
    description:
      'Records a new Partnership Zone of a state, with the districts it takes in. A school may join a cluster of the zone only if its district is one of them. Answers the zone as recorded; a zone id that exists already is a 409.',
  })
  async establish(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(zoneEstablished.schema, body);
    const written = await this.commands.execute(new EstablishZoneCommand(data, context));
    return this.readModels.after(written, () => this.registry.zone(data.zoneId));
  }

  @Post(':zoneId/name-changes')
  @ApiAnswer(zoneAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(zoneRenamed.schema, 'The name the zone has from now on', { pathId: 'zoneId' })
  @ApiOperation({
    summary: 'Rename a zone',
    description:
      "Records the zone's new name (`ZoneRenamed`); every read shows the name it has now. A zone the service does not know is a 404; the name it has already is a 409. The path names the zone: the body need not. Answers the zone as it is now.",
  })
  async rename(@Param('zoneId') zoneId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(zoneRenamed.schema, bodyWithPathId(body, 'zoneId', zoneId));
    return this.change(zoneId, { type: 'RenameZone', data }, context);
  }

  @Post(':zoneId/district-changes')
  @ApiAnswer(zoneAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(zoneDistrictsChanged.schema, "The zone's whole list of districts from now on, each once", { pathId: 'zoneId' })
  @ApiOperation({
    summary: "Change a zone's districts",
    description:
      "Replaces the zone's list of districts (`ZoneDistrictsChanged`): a district added lets its schools join the zone's clusters. A district whose school is or was a member of one of the zone's clusters must stay: dropping it is a 409 naming the district, the school and the cluster (move the school first). The same districts in any order are a 409; an unknown zone a 404. The path names the zone: the body need not.",
  })
  async changeDistricts(@Param('zoneId') zoneId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(zoneDistrictsChanged.schema, bodyWithPathId(body, 'zoneId', zoneId));
    return this.change(zoneId, { type: 'ChangeZoneDistricts', data }, context);
  }

  @Get()
  @ApiAnswer(zoneAnswer, { list: true })
  @ApiOperation({
    summary: 'List the zones',
    description: 'Every Partnership Zone: its id, state, name and districts. A district or partner key sees the zones that hold its own schools or contracts.',
  })
  list(@NarrowedTo() owner?: Owner) {
    return this.registry.zones({ owner });
  }

  @Get(':zoneId')
  @ApiAnswer(zoneAnswer)
  @ApiOperation({ summary: 'Read a zone', description: 'One Partnership Zone: its state, name and districts. 404 when the service knows no such zone.' })
  get(@Param('zoneId') zoneId: string) {
    return this.registry.zone(zoneId);
  }

  private async change(zoneId: string, change: ChangeZoneCommand['change'], context: RequestContext) {
    const written = await this.commands.execute(new ChangeZoneCommand(change, context));
    return this.readModels.after(written, () => this.registry.zone(zoneId));
  }
}
