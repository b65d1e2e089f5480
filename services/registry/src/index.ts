export * from './registry.module';
export * from './read-model/registry.projection';
