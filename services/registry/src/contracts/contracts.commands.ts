import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  clusterAggregate,
  contractAggregate,
  ContractRenewed,
  ContractTargetsAmended,
  ContractTerminated,
  decideContract,
  partnerAggregate,
  PerformanceContractSigned,
  schoolAggregate,
} from '@turnaround/domain';
import { AppendResult } from '@turnaround/event-store';
import { AggregateStore, RequestContext } from '@turnaround/platform';

export class SignPerformanceContractCommand extends Command<AppendResult> {
  constructor(readonly data: PerformanceContractSigned['data'], readonly context: RequestContext) {
    super();
  }
}

/** Amend, renew or terminate: commands on the contract alone. */
export class ChangeContractCommand extends Command<AppendResult> {
  constructor(
    readonly change:
      | { type: 'AmendContractTargets'; data: ContractTargetsAmended['data'] }
      | { type: 'RenewContract'; data: ContractRenewed['data'] }
      | { type: 'TerminateContract'; data: ContractTerminated['data'] },
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(SignPerformanceContractCommand)
export class SignPerformanceContractHandler implements ICommandHandler<SignPerformanceContractCommand> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ data, context }: SignPerformanceContractCommand) {
    const [partner, cluster, schools] = await Promise.all([
      this.aggregates.loadState(partnerAggregate, data.partnerId),
      this.aggregates.loadState(clusterAggregate, data.clusterId),
      Promise.all(data.schoolIds.map((schoolId) => this.aggregates.loadState(schoolAggregate, schoolId))),
    ]);
    return this.aggregates.handle(
      contractAggregate,
      data.contractId,
      (contract) => decideContract({ type: 'SignPerformanceContract', data, partner, cluster, schools }, contract),
      context,
    );
  }
}

@CommandHandler(ChangeContractCommand)
export class ChangeContractHandler implements ICommandHandler<ChangeContractCommand> {
  constructor(private readonly aggregates: AggregateStore) {}

  execute({ change, context }: ChangeContractCommand) {
    return this.aggregates.handle(contractAggregate, change.data.contractId, (contract) => decideContract(change, contract), context);
  }
}
