export * from './metrics.projection';
export * from './metric-queries';
export * from './scorecard-reader';
export * from './scorecard-lines';
