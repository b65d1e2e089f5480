import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { contractRenewed, contractTerminated, Owner, parseWith, performanceContractSigned, targetAmendmentSchema } from '@turnaround/domain';
import {
  ApiAnswer,
  ApiBodyFrom,
  bodyWithPathId,
  contractAnswer,
  contractChangeAnswer,
  NarrowedTo,
  ReadModelRunner,
  RequestContext,
  RequestCtx,
} from '@turnaround/platform';
import { ContractHistoryQueries, parseAsOf, RegistryQueries } from '@turnaround/read-model';
import { ChangeContractCommand, SignPerformanceContractCommand } from './contracts.commands';

@ApiTags('registry')
@Controller('api/v1/contracts')
export class ContractsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly registry: RegistryQueries,
    private readonly history: ContractHistoryQueries,
    private readonly readModels: ReadModelRunner,
  ) {}

  @Post()
  @ApiAnswer(contractAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(performanceContractSigned.schema, 'Sign a performance contract with its targets')
  @ApiOperation({
    summary: 'Sign a performance contract',
    description:
      "Records a lead or managing partner's performance contract for 1-5 schools of a cluster: a term of 3-5 years starting after its baseline year, and its targets, each naming a catalogued metric, a contract year inside the term, a kind and a value. A school already covered by another contract in one of those school years is a 409 naming the contract, school and year.",
  })
  async sign(@Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(performanceContractSigned.schema, body);
    const written = await this.commands.execute(new SignPerformanceContractCommand(data, context));
    return this.readModels.after(written, () => this.registry.contract(data.contractId));
  }

  @Post(':contractId/target-amendments')
  @ApiAnswer(contractAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(
    targetAmendmentSchema,
    'Add or change the targets in `targets` and withdraw those in `remove`, each keyed by metric, contract year and scope; every other target stays. A target of a contract year that is already final cannot change: 409',
    { pathId: 'contractId' },
  )
  @ApiOperation({
    summary: 'Amend the targets of a contract',
    description:
      'Adds or changes each target in `targets` (one with the same metric, contract year and scope is replaced) and withdraws each one in `remove`; every target it does not name stays as it was. Either list may be left out, not both. An amendment that touches a contract year already final (any of its scorecard lines has its final result) is refused whole with a 409; withdrawing a target resolves its open alerts (`target_withdrawn`). The path names the contract: the body need not.',
  })
  async amend(@Param('contractId') contractId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(targetAmendmentSchema, bodyWithPathId(body, 'contractId', contractId));
    return this.change(contractId, { type: 'AmendContractTargets', data }, context);
  }

  @Post(':contractId/renewals')
  @ApiAnswer(contractAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(contractRenewed.schema, 'Extend the term, with targets for the added years', { pathId: 'contractId' })
  @ApiOperation({
    summary: 'Renew a contract',
    description:
      "Extends the contract's term by 1-5 years, with targets for the added years. A renewal into a school year another contract covers for one of its schools is a 409 naming it. The path names the contract: the body need not.",
  })
  async renew(@Param('contractId') contractId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(contractRenewed.schema, bodyWithPathId(body, 'contractId', contractId));
    return this.change(contractId, { type: 'RenewContract', data }, context);
  }

  @Post(':contractId/termination')
  @ApiAnswer(contractAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(contractTerminated.schema, 'End the contract', { pathId: 'contractId' })
  @ApiOperation({
    summary: 'Terminate a contract',
    description:
      'Ends the contract, with the reason. It still covers the school year it was terminated in; its open alerts are resolved (`contract_terminated`). The path names the contract: the body need not.',
  })
  async terminate(@Param('contractId') contractId: string, @Body() body: unknown, @RequestCtx() context: RequestContext) {
    const data = parseWith(contractTerminated.schema, bodyWithPathId(body, 'contractId', contractId));
    return this.change(contractId, { type: 'TerminateContract', data }, context);
  }

  @Get()
  @ApiAnswer(contractAnswer, { list: true })
  @ApiOperation({
    summary: 'List the performance contracts',
    description: 'Every contract, or those of one cluster or partner, with its targets in force. A district or partner key sees its own contracts only.',
  })
  @ApiQuery({ name: 'clusterId', required: false, description: 'only the contracts of this cluster', example: 'C-NORTH' })
  @ApiQuery({ name: 'partnerId', required: false, description: 'only the contracts this partner holds', example: 'P-LEAD' })
  list(@NarrowedTo() owner?: Owner, @Query('clusterId') clusterId?: string, @Query('partnerId') partnerId?: string) {
    return this.registry.contracts({ clusterId, partnerId, owner });
  }

  @Get(':contractId')
  @ApiAnswer(contractAnswer)
  @ApiOperation({
    summary: 'Read a performance contract',
    description:
      'One contract: its partner, cluster, schools, term and status, and the targets in force by contract year, metric and scope, each with `since` (when it took effect) and `setBy` (signed, amendment N or renewal).',
  })
  get(@Param('contractId') contractId: string) {
    return this.registry.contract(contractId);
  }

  @Get(':contractId/history')
  @ApiAnswer(contractChangeAnswer, { list: true })
  @ApiOperation({
    summary: "A contract's changes, in order",
    description:
      'Signed, each amendment with its reason and the terms it replaced, each renewal, and the termination, each with when the service learned of it.',
  })
  @ApiQuery({ name: 'asOf', required: false, description: 'an ISO date or time: the changes the service knew of then; now when absent' })
  changes(@Param('contractId') contractId: string, @Query('asOf') asOf?: string) {
    return this.history.history(contractId, parseAsOf(asOf));
  }

  private async change(contractId: string, change: ChangeContractCommand['change'], context: RequestContext) {
    const written = await this.commands.execute(new ChangeContractCommand(change, context));
    return this.readModels.after(written, () => this.registry.contract(contractId));
  }
}
