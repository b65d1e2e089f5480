export * from './research.module';
export * from './research';
export * from './research-audit';
