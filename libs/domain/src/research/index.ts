export * from './research-panel';
export * from './proof-points';
