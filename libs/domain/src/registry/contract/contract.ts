import { ContractEvent, PerformanceContractSigned, Target } from '../../events/registry-events';
import { Aggregate } from '../aggregate';

export type Contract =
  | { exists: false }
  | ({ exists: true; status: 'active' | 'terminated'; targets: Target[] } & Omit<PerformanceContractSigned['data'], 'targets'>);

export const contractAggregate: Aggregate<Contract, ContractEvent> = {
  streamId: (contractId) => `contract-${contractId}`,
  initialState: () => ({ exists: false }),
  evolve: (state, event) => {
    if (event.type === 'PerformanceContractSigned') return { exists: true, status: 'active', ...event.data };
    if (!state.exists) return state;
    switch (event.type) {
      case 'ContractTargetsAmended':
        return { ...state, targets: event.data.targets };
      case 'ContractRenewed':
        return { ...state, termYears: state.termYears + event.data.additionalYears, targets: [...state.targets, ...event.data.targets] };
      case 'ContractTerminated':
        return { ...state, status: 'terminated' };
    }
  },
};
