export * from './sql-client';
export * from './copy-text';
export * from './pg-client.adapter';
export * from './pglite-client.adapter';
export * from './migrations';
export * from './open-database';
export * from './schema-client';
