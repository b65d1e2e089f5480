export * from './api-keys';
export * from './access';
