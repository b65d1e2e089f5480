export * from './web.module';
export * from './serve-web';
