import { CONTRACT_EVENTS, contractAggregate, ContractChange, contractHistory, NotFoundError } from '@turnaround/domain';
import { EventStore } from '@turnaround/event-store';

/**
 * A contract's changes, with the reasons the state office gave (`contractHistory`), read from
 * the contract's own stream: a few events, the record the contract's decider reads too, so no
 * table holds a copy. As of a date, the changes the service knew of then.
 */
export class ContractHistoryQueries {
  constructor(private readonly store: EventStore) {}

  async history(contractId: string, asOf?: Date): Promise<ContractChange[]> {
    const stream = await this.store.readStream(contractAggregate.streamId(contractId));
    const known = stream.filter((stored) => !asOf || new Date(stored.metadata.recordedAt) <= asOf);
    if (known.length === 0) throw new NotFoundError('contract', contractId);
    return contractHistory(known.map((stored) => ({ event: CONTRACT_EVENTS.decode(stored), knownAt: new Date(stored.metadata.recordedAt).toISOString() })));
  }
}
