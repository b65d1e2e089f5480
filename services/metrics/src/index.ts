export * from './metrics.module';
export * from './metrics-read-model';
