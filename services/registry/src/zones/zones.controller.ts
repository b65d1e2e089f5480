import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
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
  async establish(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(zoneEstablished.schema, body);
    const written = await this.commands.execute(new EstablishZoneCommand(data, context));
    return this.readSide.after(written, () => this.registry.zone(data.zoneId));
  }

  @Get()
  @ApiAnswer(zoneAnswer, { list: true })
  list(@NarrowedTo() owner?: Owner) {
    return this.registry.zones({ owner });
  }

  @Get(':zoneId')
  @ApiAnswer(zoneAnswer)
  get(@Param('zoneId') zoneId: string) {
    return this.registry.zone(zoneId);
  }
}
