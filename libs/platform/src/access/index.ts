export * from './api-keys';
export * from './access-matrix';
export * from './access';
