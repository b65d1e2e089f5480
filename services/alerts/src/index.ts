export * from './alerts.module';
export * from './alerts.projection';
