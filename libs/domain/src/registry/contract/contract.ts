import { ContractEvent, PerformanceContractSigned, Target } from '../../events/registry-events';
import { amendTargets } from '../../targets/targets-in-force';
import { Aggregate } from '../aggregate';

export type Contract =
  | { exists: false }
  | ({
      exists: true;
      status: 'active' | 'terminated';
      targets: Target[];
      /** How many amendments were recorded: the next one is number `amendments + 1`. */
      amendments: number;
    } & Omit<PerformanceContractSigned['data'], 'targets'>);

export const contractAggregate: Aggregate<Contract, ContractEvent> = {
  streamId: (contractId) => `contract-${contractId}`,
  initialState: () => ({ exists: false }),
  evolve: (state, event) => {
    if (event.type === 'PerformanceContractSigned') return { exists: true, status: 'active', amendments: 0, ...event.data };
    if (!state.exists) return state;
    switch (event.type) {
      case 'ContractTargetsAmended':
        // Which years are final is the scorecard's knowledge, not the stream's: the decider is
        // told them with each amendment, and the read model keeps a final year's targets.
        return { ...state, amendments: state.amendments + 1, targets: amendTargets(state.targets, event.data, new Set(), (target) => target) };
      case 'ContractRenewed':
        return { ...state, termYears: state.termYears + event.data.additionalYears, targets: [...state.targets, ...event.data.targets] };
      case 'ContractTerminated':
        return { ...state, status: 'terminated' };
    }
  },
};
