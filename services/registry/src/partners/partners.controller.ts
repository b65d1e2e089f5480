import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Owner, parseWith, partnerRegistered } from '@turnaround/domain';
import { ApiAnswer, ApiBodyFrom, NarrowedTo, partnerAnswer, ReadModelRunner, RequestContext, RequestCtx } from '@turnaround/platform';
import { RegistryQueries } from '@turnaround/read-model';
import { RegisterPartnerCommand } from './partners.commands';

@ApiTags('registry')
@Controller('api/v1/partners')
export class PartnersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly registry: RegistryQueries,
    private readonly readModels: ReadModelRunner,
  ) {}

  @Post()
  @ApiAnswer(partnerAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(partnerRegistered.schema, 'Register a lead, supporting or managing partner')
  @ApiOperation({
    summary: 'Register a partner',
    description:
      'Records a lead, supporting or managing partner. Only a lead or managing partner may hold a performance contract. A partner id that exists already is a 409.',
  })
  async register(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(partnerRegistered.schema, body);
    const written = await this.commands.execute(new RegisterPartnerCommand(data, context));
    return this.readModels.after(written, () => this.registry.partner(data.partnerId));
  }

  @Get()
  @ApiAnswer(partnerAnswer, { list: true })
  @ApiOperation({
    summary: 'List the partners',
    description: 'Every partner: its id, name and role. A district or partner key sees the partners of its own contracts.',
  })
  list(@NarrowedTo() owner?: Owner) {
    return this.registry.partners({ owner });
  }

  @Get(':partnerId')
  @ApiAnswer(partnerAnswer)
  @ApiOperation({
    summary: 'Read a partner',
    description: 'One partner: its name and role (lead, supporting or managing). 404 when the service knows no such partner.',
  })
  get(@Param('partnerId') partnerId: string) {
    return this.registry.partner(partnerId);
  }
}
