import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Owner, parseWith, zoneEstablished } from '@turnaround/domain';
import { ApiAnswer, ApiBodyFrom, NarrowedTo, ReadSide, RequestContext, RequestCtx, zoneAnswer } from '@turnaround/platform';
import { RegistryQueries } from '@turnaround/read-model';
import { EstablishZoneCommand } from './zones.commands';

@ApiTags('registry')
@Controller('api/v1/zones')
export class ZonesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly registry: RegistryQueries,
    private readonly readSide: ReadSide,
  ) {}

  @Post()
  @ApiAnswer(zoneAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(zoneEstablished.schema, 'Establish a Partnership Zone')
  @ApiOperation({ summary: 'Establish a Partnership Zone', description: 'Records a new Partnership Zone of a state, with the districts it takes in. A school may join a cluster of the zone only if its district is one of them. Answers the zone as recorded; a zone id that exists already is a 409.' })
  async establish(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(zoneEstablished.schema, body);
    const written = await this.commands.execute(new EstablishZoneCommand(data, context));
    return this.readSide.after(written, () => this.registry.zone(data.zoneId));
  }

  @Get()
  @ApiAnswer(zoneAnswer, { list: true })
  @ApiOperation({ summary: 'List the zones', description: 'Every Partnership Zone: its id, state, name and districts. A district or partner key sees the zones that hold its own schools or contracts.' })
  list(@NarrowedTo() owner?: Owner) {
    return this.registry.zones({ owner });
  }

  @Get(':zoneId')
  @ApiAnswer(zoneAnswer)
  @ApiOperation({ summary: 'Read a zone', description: 'One Partnership Zone: its state, name and districts. 404 when the service knows no such zone.' })
  get(@Param('zoneId') zoneId: string) {
    return this.registry.zone(zoneId);
  }
}
