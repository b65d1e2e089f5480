import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  clusterAggregate,
  contractAggregate,
  ContractCommand,
  ContractRenewed,
  ContractTerminated,
  decideContract,
  MetricCatalogues,
  partnerAggregate,
  PerformanceContractSigned,
  schoolAggregate,
  TargetAmendment,
} from '@turnaround/domain';
import { AppendResult } from '@turnaround/event-store';
import { AggregateStore, METRIC_CATALOGUES, RequestContext } from '@turnaround/platform';
import { RegistryQueries } from '@turnaround/read-model';

export class SignPerformanceContractCommand extends Command<AppendResult> {
  constructor(
    readonly data: PerformanceContractSigned['data'],
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Amend, renew or terminate: commands on the contract alone. */
export class ChangeContractCommand extends Command<AppendResult> {
  constructor(
    readonly change:
      | { type: 'AmendContractTargets'; data: TargetAmendment }
      | { type: 'RenewContract'; data: ContractRenewed['data'] }
      | { type: 'TerminateContract'; data: ContractTerminated['data'] },
    readonly context: RequestContext,
  ) {
    super();
  }
}

/**
 * The other contracts of the schools come from the registry read model, which every earlier
 * command's answer waited for (`ReadModelRunner.after`); the catalogues the targets must name
 * are the process's.
 */
@CommandHandler(SignPerformanceContractCommand)
export class SignPerformanceContractHandler implements ICommandHandler<SignPerformanceContractCommand> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly registry: RegistryQueries,
    @Inject(METRIC_CATALOGUES) private readonly catalogues: MetricCatalogues,
  ) {}

  async execute({ data, context }: SignPerformanceContractCommand) {
    const [partner, cluster, schools, otherContracts] = await Promise.all([
      this.aggregates.loadState(partnerAggregate, data.partnerId),
      this.aggregates.loadState(clusterAggregate, data.clusterId),
      Promise.all(data.schoolIds.map((schoolId) => this.aggregates.loadState(schoolAggregate, schoolId))),
      this.registry.contractsCovering(data.schoolIds),
    ]);
    return this.aggregates.handle(
      contractAggregate,
      data.contractId,
      (contract) => decideContract({ type: 'SignPerformanceContract', data, partner, cluster, schools, otherContracts, catalogues: this.catalogues }, contract),
      context,
    );
  }
}

@CommandHandler(ChangeContractCommand)
export class ChangeContractHandler implements ICommandHandler<ChangeContractCommand> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly registry: RegistryQueries,
    @Inject(METRIC_CATALOGUES) private readonly catalogues: MetricCatalogues,
  ) {}

  async execute({ change, context }: ChangeContractCommand) {
    const command = await this.withWhatItIsDecidedOn(change);
    return this.aggregates.handle(contractAggregate, change.data.contractId, (contract) => decideContract(command, contract), context);
  }

  /**
   * What the decision needs beyond the contract's own stream, from the read model: which
   * contract years are final (an amendment may not change their targets; the scorecards
   * projection keeps them too, should a final result arrive in between), and the other
   * contracts of the schools (a renewal may not overlap one); and the process's catalogues,
   * which the targets set must name.
   */
  private async withWhatItIsDecidedOn(change: ChangeContractCommand['change']): Promise<ContractCommand> {
    switch (change.type) {
      case 'AmendContractTargets':
        return { ...change, finalYears: await this.registry.finalContractYears(change.data.contractId), catalogues: this.catalogues };
      case 'RenewContract': {
        const contract = await this.aggregates.loadState(contractAggregate, change.data.contractId);
        return { ...change, otherContracts: contract.exists ? await this.registry.contractsCovering(contract.schoolIds) : [], catalogues: this.catalogues };
      }
      case 'TerminateContract':
        return change;
    }
  }
}
