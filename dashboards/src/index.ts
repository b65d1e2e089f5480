export * from './dashboards';
export * from './generate';
export { DATASOURCE } from './grafana';
export { shownRate } from './read-model-sql';
