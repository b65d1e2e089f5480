export * from './config';
export * from './tokens';
export * from './persistence.module';
export * from './request-context';
export * from './aggregate-store';
export * from './http-errors.filter';
export * from './openapi';
export * from './messaging.module';
