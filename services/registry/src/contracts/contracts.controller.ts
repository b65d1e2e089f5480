import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { contractRenewed, contractTerminated, Owner, parseWith, performanceContractSigned, targetAmendmentSchema } from '@turnaround/domain';
import { ApiAnswer, ApiBodyFrom, bodyWithPathId, contractAnswer, contractChangeAnswer, NarrowedTo, ReadSide, RequestContext, RequestCtx } from '@turnaround/platform';
import { ContractHistoryQueries, parseAsOf, RegistryQueries } from '@turnaround/read-model';
import { ChangeContractCommand, SignPerformanceContractCommand } from './contracts.commands';

@ApiTags('registry')
@Controller('api/v1/contracts')
export class ContractsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly registry: RegistryQueries,
    private readonly history: ContractHistoryQueries,
    private readonly readSide: ReadSide,
  ) {}

  @Post()
  @ApiAnswer(contractAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(performanceContractSigned.schema, 'Sign a performance contract with its targets')
  async sign(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(performanceContractSigned.schema, body);
    const written = await this.commands.execute(new SignPerformanceContractCommand(data, context));
    return this.readSide.after(written, () => this.registry.contract(data.contractId));
  }

  @Post(':contractId/target-amendments')
  @ApiAnswer(contractAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(
    targetAmendmentSchema,
    'Add or change the targets in `targets` and withdraw those in `remove`, each keyed by metric, contract year and scope; every other target stays. A target of a contract year that is already final cannot change: 409',
  )
  async amend(@Param('contractId') contractId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(targetAmendmentSchema, bodyWithPathId(body, 'contractId', contractId));
    return this.change(contractId, { type: 'AmendContractTargets', data }, context);
  }

  @Post(':contractId/renewals')
  @ApiAnswer(contractAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(contractRenewed.schema, 'Extend the term, with targets for the added years')
  async renew(@Param('contractId') contractId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(contractRenewed.schema, bodyWithPathId(body, 'contractId', contractId));
    return this.change(contractId, { type: 'RenewContract', data }, context);
  }

  @Post(':contractId/termination')
  @ApiAnswer(contractAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(contractTerminated.schema, 'End the contract')
  async terminate(@Param('contractId') contractId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(contractTerminated.schema, bodyWithPathId(body, 'contractId', contractId));
    return this.change(contractId, { type: 'TerminateContract', data }, context);
  }

  @Get()
  @ApiAnswer(contractAnswer, { list: true })
  @ApiQuery({ name: 'clusterId', required: false })
  @ApiQuery({ name: 'partnerId', required: false })
  list(@NarrowedTo() owner?: Owner, @Query('clusterId') clusterId?: string, @Query('partnerId') partnerId?: string) {
    return this.registry.contracts({ clusterId, partnerId, owner });
  }

  @Get(':contractId')
  @ApiAnswer(contractAnswer)
  get(@Param('contractId') contractId: string) {
    return this.registry.contract(contractId);
  }

  @Get(':contractId/history')
  @ApiAnswer(contractChangeAnswer, { list: true })
  @ApiQuery({ name: 'asOf', required: false, description: 'an ISO date or time: the changes the service knew of then; now when absent' })
  changes(@Param('contractId') contractId: string, @Query('asOf') asOf?: string) {
    return this.history.history(contractId, parseAsOf(asOf));
  }

  private async change(contractId: string, change: ChangeContractCommand['change'], context: RequestContext) {
    const written = await this.commands.execute(new ChangeContractCommand(change, context));
    return this.readSide.after(written, () => this.registry.contract(contractId));
  }
}
